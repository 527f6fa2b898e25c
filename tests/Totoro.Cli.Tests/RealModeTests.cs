using System.Net;
using System.Text.Json;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Sim.Scenarios;
using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>Real mode end to end: `totoro node` processes on loopback, driven by `totoro app` and the control protocol.</summary>
public class RealModeTests(ITestOutputHelper output)
{
    private static readonly string[] FastTimers = ["--ping-period-ms", "1000"];

    [Fact]
    public void Three_processes_form_an_overlay_and_every_lookup_from_every_node_reaches_the_oracles_node()
    {
        using var nodes = new NodeProcesses();
        IPEndPoint first = nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 4, null, null, FastTimers);
        for (int h = 1; h < 3; h++)
            nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 4, first, null, FastTimers);
        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(30));
        Assert.Equal(12, ids.Distinct().Count());
        Thread.Sleep(3000); // keep-alives exchange leaf sets

        var random = new Random(5);
        int asked = 0, correct = 0;
        var wrong = new List<string>();
        foreach (IPEndPoint host in nodes.Endpoints)
        {
            for (int from = 0; from < 4; from++)
            {
                for (int k = 0; k < 8; k++)
                {
                    var key = NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64());
                    NodeId expected = ids.Aggregate((a, b) => key.IsCloser(a, b) ? a : b);
                    LookupResult? result = client.Ask(host, new ControlRequest(0, "lookup") { Key = key.ToString(), From = from }, TimeSpan.FromSeconds(6))?.Lookup;
                    asked++;
                    if (result is not null && NodeProcesses.Parse(result.Node) == expected)
                        correct++;
                    else
                        wrong.Add($"{host}/{from} key {key}: got {result?.Node ?? "no answer"}, oracle {expected}");
                }
            }
        }

        output.WriteLine($"{correct}/{asked} lookups reached the oracle's node");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong) + "\n" + nodes.Logs());
    }

    [Fact]
    public void Five_processes_of_ten_logical_nodes_train_logreg_to_completion_and_end_with_the_simulators_model()
    {
        var spec = new AppSpec { Name = "real-logreg", Model = "logreg", Dataset = "synthetic", Workers = 50, Rounds = 3, ClientsPerRound = 10 };
        const ulong seed = 3;
        using var nodes = new NodeProcesses();
        IPEndPoint first = nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 10, null, null, FastTimers);
        for (int h = 1; h < 5; h++)
            nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 10, first, null, FastTimers);
        using (var client = new ControlClient(IPAddress.Loopback))
            Assert.Equal(50, nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(40)).Distinct().Count());

        string via = nodes.Endpoints[1].ToString();
        var submit = TotoroProcess.Run("app", "submit", "--via", via, "--name", spec.Name, "--model", "logreg", "--dataset", "synthetic",
            "--workers", "50", "--rounds", "3", "--clients-per-round", "10", "--seed", "3");
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());
        var watch = TotoroProcess.Run("app", "watch", "--via", nodes.Endpoints[3].ToString(), spec.Name, "--json", "--timeout", "50");
        output.WriteLine(watch.Stdout);
        Assert.True(watch.ExitCode == 0, watch.Stdout + watch.Stderr + nodes.Logs());
        AppStatus status = JsonSerializer.Deserialize<AppStatus>(watch.Stdout.Trim().Split('\n')[^1], ControlJson.Options)!;
        Assert.True(status.Finished);
        Assert.Equal(3, status.Round);
        Assert.Equal(10, status.Contributions);

        float[] simulated = SimulatedModel(spec, seed);
        Assert.Equal(simulated.Length, status.Model!.Length);
        double maxDiff = simulated.Zip(status.Model).Max(p => Math.Abs(p.First - p.Second));
        output.WriteLine($"max |real - simulated| over {simulated.Length} parameters: {maxDiff:E2}");
        Assert.True(maxDiff <= 1e-4, $"real and simulated models differ by {maxDiff}");
    }

    [Fact]
    public void Watch_fails_with_one_line_when_no_node_answers_and_node_rejects_an_unreachable_listen_address()
    {
        int port = TestPorts.Udp();
        var watch = TotoroProcess.Run("app", "watch", "--via", $"127.0.0.1:{port}", "nothing");
        Assert.Equal(1, watch.ExitCode);
        Assert.StartsWith("error: no answer from", watch.Stderr);
        Assert.DoesNotContain("   at ", watch.Stderr);

        var node = TotoroProcess.Run("node", "--listen", "0.0.0.0:7000");
        Assert.Equal(2, node.ExitCode);
        Assert.Contains("not an address peers can reach", node.Stderr);

        var submit = TotoroProcess.Run("app", "submit", "--via", $"127.0.0.1:{port}", "--name", "x", "--rule", "mean");
        Assert.Equal(2, submit.ExitCode);
        Assert.Contains("--rule must be one of", submit.Stderr);
    }

    /// <summary>
    /// The same app in the simulator: a 60-node simulated overlay, 50 subscribers as workers 0..49, the same
    /// FederatedApp code with the same seed. Participants and local training depend only on (seed, worker, round).
    /// </summary>
    internal static float[] SimulatedModel(AppSpec spec, ulong seed)
    {
        var overlay = new OverlaySimConfig { Nodes = 60, Lookups = 0, Seed = 7 };
        var workload = FederatedWorkload.Load(spec, seed);
        var workloads = new WorkloadCache();
        workloads.Add(seed, workload);
        var ledger = new LearningLedger();
        var learners = new LearningNode?[overlay.Nodes];
        ForestScenario? forest = null;
        forest = new ForestScenario(overlay, new ForestSimConfig { Apps = 1, SubscribersPerApp = spec.Workers, RealVectors = true, ModelBytes = workload.ModelBytes })
        {
            Hooks = LearningTreeHooks.Default,
            NodeApp = i => learners[i] = new LearningNode(() => forest!.World.Now, workloads, ledger),
            RuleForApp = _ => ServerRules.Merge(spec, workload.Model.ParameterCount),
            ApplicationForApp = _ => new LearningAppInfo(spec, seed, workload.Model.ParameterCount, Timing: false).Encode(),
        };
        forest.Overlay.BuildOverlay();
        forest.Overlay.Settle(2);
        forest.Subscribe();
        ForestScenario.AppRun run = forest.Apps.Single();
        for (int i = 0; i < run.Subscribers.Length; i++)
            learners[run.Subscribers[i]]!.Hold(run.Id, i); // each node's own shard
        int root = Enumerable.Range(0, overlay.Nodes).Single(i => forest.Node(i).IsRootOf(run.Id));
        forest.World.Enter(root);
        Assert.True(learners[root]!.Start(forest.Node(root), run.Id));
        while (ledger[run.Id]?.Master.Finished != true && forest.World.PendingEvents > 0)
            forest.World.RunUntil(forest.World.Now + 100_000);
        FederatedMaster master = ledger[run.Id]!.Master;
        Assert.True(master.Finished, "the simulated app did not finish");
        return master.Global;
    }
}
