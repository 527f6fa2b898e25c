using System.Diagnostics;
using System.Net;
using Totoro.Net.Control;
using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>
/// Real mode as a user runs it: hosts on loopback, an app submitted with no worker count and no index ranges (nodes
/// enrol with its master for a shard), the host holding the master killed with SIGKILL mid-training.
/// </summary>
public class RealModeFailoverTests(ITestOutputHelper output)
{
    private static readonly string[] FastTimers = ["--ping-period-ms", "1000"];

    private static readonly string[] App =
    [
        // Sixteen shards of IID data, every enrolled worker in every round: losing a host's four workers costs a quarter
        // of the data, not the model, so accuracy stays near the undisturbed run's (a lost model would start over).
        "--model", "logreg", "--dataset", "synthetic", "--workers", "16", "--train-samples", "16000", "--rounds", "40", "--clients-per-round", "0",
        "--local-epochs", "20", "--start-after", "4", "--round-deadline-ms", "3000", "--seed", "4",
    ];

    [Fact]
    public void Killing_the_host_of_an_apps_master_mid_training_ends_with_the_app_finished_on_another_host_and_nothing_lost()
    {
        (AppStatus calm, _, _) = Run(kill: false);
        (AppStatus killed, string logs, bool missed) = Run(kill: true);
        for (int again = 0; again < 2 && missed; again++)
            (killed, logs, missed) = Run(kill: true); // the kill came too late to leave rounds to recover in: not a run of this test
        Assert.False(missed, $"the master's host was never killed within rounds {KillFrom}-{KillBy} in three runs (status answers lost under load)\n{logs}");
        output.WriteLine($"undisturbed: accuracy {calm.Accuracy:F4}, master at {calm.RootEndpoint}; killed: accuracy {killed.Accuracy:F4}, master now at {killed.RootEndpoint}");

        Assert.True(killed.Finished && killed.Round == 40, $"the app did not finish after its master's host died\n{logs}");
        Assert.Contains("took over as master", logs);
        Assert.DoesNotContain("WITHOUT its model", logs);
        Assert.True(Math.Abs(killed.Accuracy - calm.Accuracy) <= 0.01, $"accuracy {killed.Accuracy:F4} after the kill, {calm.Accuracy:F4} undisturbed\n{logs}");
    }

    /// <summary>
    /// The kill's window: from round 8, and by round 20 of 40, so that rounds are left to recover the accuracy in. A kill at
    /// round 37 (status answers lost under CI's load) left three rounds with 9 of 13 workers and accuracy 0.02 short
    /// (results/ci/failover-fail-071564b.txt): a late kill is a missed run, not a failover that lost something.
    /// </summary>
    private const int KillFrom = 8, KillBy = 20;

    /// <summary>Four hosts of four nodes; the app runs to the end, its master's host killed at round 8 when asked. Missed: the first status seen past round 8 was past <see cref="KillBy"/>.</summary>
    private (AppStatus Status, string Logs, bool Missed) Run(bool kill)
    {
        using var nodes = new NodeProcesses();
        string data = Directory.CreateTempSubdirectory("totoro-failover-").FullName;
        IPEndPoint first = nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 4, null, null, [.. FastTimers, "--data-dir", Path.Combine(data, "h0")]);
        for (int h = 1; h < 4; h++)
            nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 4, first, null, [.. FastTimers, "--data-dir", Path.Combine(data, $"h{h}")]);
        using var client = new ControlClient(IPAddress.Loopback);
        Assert.Equal(16, nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(30)).Distinct().Count());

        var submit = TotoroProcess.Run(["app", "submit", "--via", nodes.Endpoints[1].ToString(), "--name", "failover", .. App]);
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());

        IPEndPoint? dead = null;
        var clock = Stopwatch.StartNew();
        AppStatus? status = null;
        bool missed = false;
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            // A status whose request or answer is lost is asked again soon: with 8 s per ask, one lost datagram under CI's
            // load hid rounds 8 to 40 (about 10 s of training) and the master's host was never killed (fresh-clone CI of 8b33d29).
            IPEndPoint via = nodes.Endpoints.First(e => !e.Equals(dead));
            status = client.Ask(via, new ControlRequest(0, "status") { Name = "failover" }, TimeSpan.FromSeconds(2))?.Status ?? status;
            if (status is { Finished: true })
                break;
            if (kill && dead is null && !missed && status is { Round: > KillBy })
            {
                missed = true;
                output.WriteLine($"kill window missed: the first status past round {KillFrom} said round {status.Round}");
            }

            if (kill && dead is null && !missed && status is { Round: >= KillFrom, RootEndpoint: { } root })
            {
                dead = IPEndPoint.Parse(root);
                nodes.KillHard(dead);
                output.WriteLine($"killed {dead} (the master's host) after round {status.Round}");
            }

            Thread.Sleep(100);
        }

        Assert.True(status is { Finished: true }, $"the app did not finish within 120 s (last: round {status?.Round})\n{nodes.Logs()}");
        if (missed)
            return (status!, nodes.Logs(), true);
        Assert.True(!kill || dead is not null, "the master's host was never killed");
        Assert.True(!kill || !status!.RootEndpoint!.Equals(dead!.ToString(), StringComparison.Ordinal), "the master is still reported on the killed host");
        return (status!, nodes.Logs(), false);
    }

    [Fact]
    public void A_host_whose_workers_train_for_seconds_keeps_answering_lookups()
    {
        using var nodes = new NodeProcesses();
        IPEndPoint host = nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 2, null, null, FastTimers);
        using var client = new ControlClient(IPAddress.Loopback);
        nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(20));
        var submit = TotoroProcess.Run("app", "submit", "--via", host.ToString(), "--name", "slow", "--model", "mlp", "--dataset", "synthetic",
            "--workers", "2", "--rounds", "1", "--clients-per-round", "2", "--local-epochs", "30000", "--round-deadline-ms", "300000");
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());

        // Wait until round 1 is in training, then poll lookups through the host while its workers train.
        var clock = Stopwatch.StartNew();
        while (client.Ask(host, new ControlRequest(0, "status") { Name = "slow" }, TimeSpan.FromSeconds(5))?.Status is not { Started: true } && clock.Elapsed < TimeSpan.FromSeconds(30))
            Thread.Sleep(100);
        var latencies = new List<double>();
        var random = new Random(1);
        int before = 0;
        while (latencies.Count < 40)
        {
            var key = Totoro.Core.Runtime.NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64());
            var asked = Stopwatch.StartNew();
            LookupResult? answer = client.Ask(host, new ControlRequest(0, "lookup") { Key = key.ToString() }, TimeSpan.FromSeconds(5))?.Lookup;
            Assert.True(answer is not null, "a lookup went unanswered while the host's workers trained\n" + nodes.Logs());
            latencies.Add(asked.Elapsed.TotalMilliseconds);
            Thread.Sleep(50);
        }

        AppStatus? during = client.Ask(host, new ControlRequest(0, "status") { Name = "slow" }, TimeSpan.FromSeconds(5))?.Status;
        latencies.Sort();
        output.WriteLine($"40 lookups while training (round {during?.Round} of 1 done): median {latencies[20]:F1} ms, max {latencies[^1]:F1} ms");
        Assert.True(during is { Finished: false }, "training ended before the lookups were asked: the test measured nothing");
        Assert.Equal(before, during!.Round); // still in round 1: every lookup above was answered while workers trained
    }
}
