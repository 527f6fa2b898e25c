using System.Diagnostics;
using System.Net;
using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>
/// Replicas that do not share fate. One host is given the four node ids closest to the app's id: the root and, by
/// closeness alone, all three of its replica holders. Killing that host kills them together; the app goes on only if
/// the replicas were put on other hosts.
/// </summary>
public class ReplicaPlacementTests(ITestOutputHelper output)
{
    private static readonly string[] App =
    [
        "--model", "logreg", "--dataset", "synthetic", "--workers", "12", "--train-samples", "12000", "--rounds", "30", "--clients-per-round", "0",
        "--local-epochs", "20", "--start-after", "4", "--round-deadline-ms", "3000", "--seed", "11",
    ];

    [Fact]
    public void Killing_the_host_of_the_root_and_of_its_closest_neighbours_leaves_the_app_its_replicas_elsewhere()
    {
        string data = Directory.CreateTempSubdirectory("totoro-fate-").FullName;
        string key = Path.Combine(data, "creator.key");
        byte[] creator = Convert.FromHexString(CreatorIdentity.SignSubmit(new ControlRequest(0, "submit") { Spec = new AppSpec { Name = "probe" } }, key, 0, create: true).Creator!);
        NodeId app = AppId.Create("fate", creator, 0);

        // Host 0: the app id's four closest ids (on both sides of it); hosts 1–3: random ids, all farther.
        var random = new Random(5);
        PlantIds(Path.Combine(data, "h0"), [Offset(app, 1), Offset(app, -1), Offset(app, 2), Offset(app, -2)]);
        for (int h = 1; h < 4; h++)
            PlantIds(Path.Combine(data, $"h{h}"), [.. Enumerable.Range(0, 4).Select(_ => NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64()))]);

        using var nodes = new NodeProcesses();
        string[] timers = ["--ping-period-ms", "1000"];
        IPEndPoint first = nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 4, null, null, [.. timers, "--data-dir", Path.Combine(data, "h0")]);
        for (int h = 1; h < 4; h++)
            nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 4, first, null, [.. timers, "--data-dir", Path.Combine(data, $"h{h}")]);
        using var client = new ControlClient(IPAddress.Loopback);
        Assert.Equal(16, nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(30)).Distinct().Count());

        var submit = TotoroProcess.Run(["app", "submit", "--via", nodes.Endpoints[1].ToString(), "--name", "fate", "--key", key, .. App]);
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());

        AppStatus? status = null;
        bool killed = false;
        int roundAtKill = 0, lowestAfter = int.MaxValue;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(150) && status is not { Finished: true })
        {
            IPEndPoint via = nodes.Endpoints[1 + (int)(clock.ElapsedMilliseconds / 100 % 3)];
            AppStatus? now = client.Ask(via, new ControlRequest(0, "status") { Name = "fate" }, TimeSpan.FromSeconds(6))?.Status;
            if (now is { Known: true, Started: true })
            {
                status = now;
                if (killed)
                    lowestAfter = Math.Min(lowestAfter, now.Round);
            }

            if (!killed && status is { Round: >= 5 })
            {
                Assert.Equal(first.ToString(), status.RootEndpoint); // the root sits on host 0, as its id says
                roundAtKill = status.Round;
                nodes.KillHard(first);
                killed = true;
                output.WriteLine($"killed host 0 (root and the three next-closest nodes) after round {roundAtKill}");
            }

            Thread.Sleep(200);
        }

        string logs = nodes.Logs();
        Assert.True(killed, "host 0 was never killed\n" + logs);
        Assert.True(status is { Finished: true, Round: 30 }, $"the app did not finish after host 0 died (last: round {status?.Round})\n{logs}");
        Assert.Contains("took over as master", logs);
        Assert.DoesNotContain("WITHOUT its model", logs);
        Assert.True(lowestAfter >= roundAtKill - 1, $"after the kill the app answered at round {lowestAfter}, behind the {roundAtKill} it had reached: its model was lost\n{logs}");
        output.WriteLine($"finished at round {status!.Round} on {status.RootEndpoint}, accuracy {status.Accuracy:F4}; lowest round seen after the kill {lowestAfter}");
    }

    private static NodeId Offset(NodeId id, long by) => new(by >= 0 ? id.Value + (UInt128)by : id.Value - (UInt128)(-by));

    private static void PlantIds(string dir, NodeId[] ids)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, "node-ids"), ids.Select(id => id.ToString()));
    }
}
