using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Totoro.Net.Control;
using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>
/// Issue 15 in real mode: five hosts in network namespaces, one of them (a third of the nodes) losing 30 % of the
/// packets it receives (tc netem is missing on this kernel, so the node's own receive-path impairment,
/// `--impair-loss`). The same app trains once with `--planner static` and once with `--planner game`, on the same node
/// ids (kept in each host's data directory): with the game the impaired host receives fewer tree bytes (children moved
/// off its nodes) and the rounds are shorter.
/// </summary>
[Collection(NamespaceCollection.Name)]
public partial class NetnsPlanningTests(ITestOutputHelper output)
{
    private const int Rounds = 12;
    private const int Settled = 2; // rounds up to this one build the tree

    [Fact(Skip = "Fails today (issue 15), run for real with CI=true on 2026-12-05: one run passed for the wrong reason (game 1.09 s against static 1.55 s, but its last rounds closed with 1–3 of 12 updates, which the updates check now refuses), the next failed (game 2.06 s against 0.85 s; the impaired host received 368,173 B with game, 302,604 B with static). Static alone varied 2× between the runs (1.55 s, 0.85 s) on this shared 2-core machine, and real mode has no timed uplink (its send backlog is a nominal-rate guess). Two more runs at 16:10 UTC failed too: static 1.35 s then 0.11 s (12× apart), game 1.44 s then 1.65 s, the impaired host receiving more bytes with game both times (365,527 against 311,864; 389,011 against 246,963). In the second (logged) the app's master, the tree's root, was one of the impaired host's nodes under both planners, so every round crosses its lossy downlink whatever the planner, a round's time is decided by which messages wait out a retransmission timeout, and game's acks and probes cross the lossy link too (the bytes counted are all bytes, not the tree's). Remove the skip to run it for real with CI=true.")]
    public void With_the_game_planner_flows_move_off_an_impaired_host_and_rounds_get_shorter()
    {
        bool ci = Environment.GetEnvironmentVariable("CI") == "true";
        if (!ci)
        {
            output.WriteLine("Skipped: runs for real only with CI=true (root, network namespaces, two real-mode runs of about a minute each).");
            return;
        }

        if (NetnsBridge.Unavailable() is { } reason)
        {
            Assert.Fail($"CI must be able to create namespaces: {reason}");
            return;
        }

        string root = Directory.CreateTempSubdirectory("totoro-plan-netns-").FullName;
        try
        {
            (double staticRound, double staticUpdates, long staticBytes) = Train("static", root);
            (double gameRound, double gameUpdates, long gameBytes) = Train("game", root);
            output.WriteLine($"mean round static {staticRound:F2} s ({staticUpdates:F1} updates a round), game {gameRound:F2} s ({gameUpdates:F1}); bytes into the impaired host: static {staticBytes:N0}, game {gameBytes:N0}");
            Assert.True(gameBytes < staticBytes, $"the impaired host received {gameBytes:N0} B with game, {staticBytes:N0} B with static: no flow moved off it");
            // A round that closes without most updates is short for the wrong reason: faster only counts at no fewer updates.
            Assert.True(gameUpdates >= 0.9 * staticUpdates, $"game's rounds aggregated {gameUpdates:F1} updates on average, static's {staticUpdates:F1}");
            Assert.True(gameRound < staticRound, $"mean round with game {gameRound:F2} s, with static {staticRound:F2} s");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>One training run with every host on <paramref name="planner"/>: its mean round and updates per round after round Settled, and the bytes host 0 received.</summary>
    private (double MeanRound, double MeanUpdates, long ImpairedBytesIn) Train(string planner, string root)
    {
        using var bridge = new NetnsBridge();
        bridge.Create(5, delayMs: 0, lossPercent: 0);
        var nodes = new NodeProcesses();
        (double Round, double Updates) mean;
        try
        {
            mean = Run(planner, root, bridge, nodes);
        }
        finally
        {
            nodes.Dispose(); // stops the hosts, so their metrics files are complete
        }

        string[] metrics = File.ReadAllLines(Path.Combine(root, "host0", "metrics.csv"));
        string[] header = metrics[0].Split(',');
        int bytesIn = Array.FindIndex(header, h => h.Equals("BytesIn", StringComparison.OrdinalIgnoreCase));
        Assert.True(bytesIn >= 0, $"metrics.csv has no BytesIn column: {metrics[0]}");
        long received = long.Parse(metrics[^1].Split(',')[bytesIn], CultureInfo.InvariantCulture);
        File.Delete(Path.Combine(root, "host0", "metrics.csv")); // the next run writes its own (the node ids stay)
        for (int i = 0; i < 5; i++)
        {
            // The app's replicas too: else the next run's nodes come back with this run's finished app and never train.
            string state = Path.Combine(root, $"host{i}", "state");
            if (Directory.Exists(state))
                Directory.Delete(state, recursive: true);
        }

        return (mean.Round, mean.Updates, received);
    }

    /// <summary>Starts the hosts, trains the app to its last round and returns the mean round and updates per round after round Settled.</summary>
    private (double Round, double Updates) Run(string planner, string root, NetnsBridge bridge, NodeProcesses nodes)
    {
        var first = new IPEndPoint(bridge.AddressOf(0), 7000);
        for (int i = 0; i < 5; i++)
        {
            string dir = Path.Combine(root, $"host{i}");
            string[] extra = ["--ping-period-ms", "1000", "--b", "2", "--planner", planner, "--plan-period-ms", "1500", "--data-dir", dir, "--metrics-interval-ms", "500"];
            if (i == 0)
                extra = [.. extra, "--impair-loss", "0.3"];
            nodes.Start(new IPEndPoint(bridge.AddressOf(i), 7000), i == 0 ? 4 : 2, i == 0 ? null : first, bridge.Namespaces[i], extra);
        }

        using (var client = new ControlClient())
            Assert.Equal(12, nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(45)).Distinct().Count());
        Thread.Sleep(3000); // leaf sets and tables settle after the last join

        var submit = TotoroProcess.Run("app", "submit", "--via", nodes.Endpoints[1].ToString(), "--name", "netns-plan", "--dataset", "synthetic",
            "--workers", "12", "--rounds", Rounds.ToString(CultureInfo.InvariantCulture), "--clients-per-round", "0", "--seed", "5", "--start-after", "10");
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());
        var watch = TotoroProcess.Run("app", "watch", "--via", nodes.Endpoints[2].ToString(), "netns-plan", "--timeout", "90");
        output.WriteLine($"{planner}:\n{watch.Stdout}");
        // The watch exits non-zero when a round missed updates (the impaired host's can): finishing is what counts here.
        Assert.True(watch.Stdout.Contains($"round {Rounds}/{Rounds}", StringComparison.Ordinal) && watch.Stdout.Contains("finished", StringComparison.Ordinal), watch.Stdout + watch.Stderr + nodes.Logs());

        // Round r ended at the seconds its status line gives; the mean over the rounds after Settled leaves out tree
        // building.
        var ends = new SortedDictionary<int, double>();
        var updates = new SortedDictionary<int, int>();
        foreach (Match m in RoundLine().Matches(watch.Stdout))
        {
            int round = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            ends[round] = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            updates[round] = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        // The watch polls, so not every round has a line: start from the last one printed at or before Settled.
        int from = ends.Keys.LastOrDefault(r => r <= Settled && r > 0);
        Assert.True(from > 0 && ends.ContainsKey(Rounds), $"the watch printed no status for a round up to {Settled} or for round {Rounds}:\n{watch.Stdout}");
        return ((ends[Rounds] - ends[from]) / (Rounds - from), updates.Where(u => u.Key > from).Average(u => u.Value));
    }

    [GeneratedRegex(@"round (\d+)/\d+ .* updates (\d+) .* at ([0-9.]+) s")]
    private static partial Regex RoundLine();
}
