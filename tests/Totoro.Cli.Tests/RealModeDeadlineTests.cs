using System.Net;
using Totoro.Net.Control;

namespace Totoro.Cli.Tests;

/// <summary>No wait without a deadline: what a user waits for in real mode either comes or ends with one line and a non-zero exit.</summary>
public class RealModeDeadlineTests
{
    private static readonly string[] FastTimers = ["--ping-period-ms", "1000"];

    [Fact]
    public void A_node_whose_bootstrap_never_answers_gives_up_at_its_join_timeout_with_one_line()
    {
        int silent = TestPorts.Udp();
        int port = TestPorts.Udp();
        var node = TotoroProcess.Run("node", "--listen", $"127.0.0.1:{port}", "--bootstrap", $"127.0.0.1:{silent}", "--join-timeout", "2");
        Assert.Equal(1, node.ExitCode);
        string error = Assert.Single(node.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains($"no node of an overlay answered at 127.0.0.1:{silent} within 2 s", error);
    }

    [Fact]
    public void Watching_an_app_nobody_submitted_ends_with_one_line_and_a_master_short_of_workers_starts_with_those_it_has()
    {
        using var nodes = new NodeProcesses();
        IPEndPoint host = nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 3, null, null, FastTimers);
        using (var client = new ControlClient(IPAddress.Loopback))
            nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(20));

        var unknown = TotoroProcess.Run("app", "watch", "--via", host.ToString(), "nobody-submitted-this", "--timeout", "60");
        Assert.Equal(1, unknown.ExitCode);
        Assert.StartsWith("error: no app named nobody-submitted-this is known at its master", unknown.Stderr);
        Assert.DoesNotContain("   at ", unknown.Stderr);

        // Ten shards, three nodes: the master waits --start-after for more, then trains with the three it has.
        var submit = TotoroProcess.Run("app", "submit", "--via", host.ToString(), "--name", "short-handed", "--dataset", "synthetic", "--workers", "10",
            "--rounds", "3", "--clients-per-round", "3", "--start-after", "2", "--round-deadline-ms", "5000");
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());
        var watch = TotoroProcess.Run("app", "watch", "--via", host.ToString(), "short-handed", "--timeout", "60", "--json");
        Assert.True(watch.ExitCode == 0, watch.Stdout + watch.Stderr + nodes.Logs());
        AppStatus status = System.Text.Json.JsonSerializer.Deserialize<AppStatus>(watch.Stdout.Trim().Split('\n')[^1], ControlJson.Options)!;
        Assert.Equal((3, 10, 3, 3, 0), (status.Enrolled, status.Wanted, status.Round, (int)status.Contributions, status.ShortRounds));

        // The same name with another spec is refused by the app's root, not silently ignored.
        var again = TotoroProcess.Run("app", "submit", "--via", host.ToString(), "--name", "short-handed", "--dataset", "synthetic", "--workers", "10", "--rounds", "4");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already runs with another spec", again.Stderr);

        // The model, from the master, in the documented file format: as many parameters as the model has.
        string file = Path.Combine(Directory.CreateTempSubdirectory("totoro-model-").FullName, "model.bin");
        var model = TotoroProcess.Run("app", "model", "--via", host.ToString(), "short-handed", "--out", file);
        Assert.True(model.ExitCode == 0, model.Stderr);
        ModelFile read = ModelFile.Read(file);
        Assert.Equal(("short-handed", 3, status.Model!.Length), (read.Name, read.Round, read.Parameters.Length));
        Assert.Equal(status.Model, read.Parameters);
    }

    [Fact]
    public void An_app_stopped_by_its_owner_begins_no_further_round_and_watch_says_so()
    {
        using var nodes = new NodeProcesses();
        IPEndPoint host = nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 2, null, null, FastTimers);
        using (var client = new ControlClient(IPAddress.Loopback))
            nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(20));
        var submit = TotoroProcess.Run("app", "submit", "--via", host.ToString(), "--name", "stoppable", "--dataset", "synthetic", "--workers", "2",
            "--rounds", "100000", "--clients-per-round", "2", "--start-after", "1");
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());
        Thread.Sleep(3000);

        var stop = TotoroProcess.Run("app", "stop", "--via", host.ToString(), "stoppable");
        Assert.True(stop.ExitCode == 0, stop.Stderr + nodes.Logs());
        var watch = TotoroProcess.Run("app", "watch", "--via", host.ToString(), "stoppable", "--timeout", "30");
        Assert.Equal(3, watch.ExitCode);
        Assert.Contains("was stopped", watch.Stderr);
        var status = TotoroProcess.Run("app", "status", "--via", host.ToString(), "stoppable", "--json");
        AppStatus final = System.Text.Json.JsonSerializer.Deserialize<AppStatus>(status.Stdout, ControlJson.Options)!;
        Assert.True(final.Stopped && final.Round < 100000);
    }
}
