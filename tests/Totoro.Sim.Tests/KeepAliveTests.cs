using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Baselines;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests;

/// <summary>Keep-alives batched per neighbour across trees (Fig. 7), and the central keep-alive baseline.</summary>
public class KeepAliveTests
{
    private const long Period = 10_000_000; // TreeOptions' default heartbeat period
    private const long Window = 50_000_000;

    private static ForestScenario Built(ulong seed)
    {
        var overlay = new OverlaySimConfig { Nodes = 400, Lookups = 0, Seed = seed, Pastry = new PastryOptions { B = 4 } };
        var scenario = new ForestScenario(overlay, new ForestSimConfig { Apps = 60, SubscribersPerApp = 40, ModelBytes = 1000 });
        scenario.Overlay.BuildOverlay();
        scenario.Overlay.Settle(2);
        scenario.RunForest();
        return scenario;
    }

    /// <summary>Brute force over every tree: (tree, child) edges and distinct (parent, child) neighbour pairs.</summary>
    private static (int Edges, int Pairs) CountLinks(ForestScenario scenario)
    {
        int edges = 0;
        var pairs = new HashSet<(int, int)>();
        for (int n = 0; n < scenario.World.NodeCount; n++)
        {
            foreach (NodeId app in scenario.Node(n).Trees)
            {
                if (!scenario.Node(n).TryGetTree(app, out TreeInfo info))
                    continue;
                edges += info.Children.Length;
                foreach (PeerHandle child in info.Children)
                    pairs.Add((n, child.Index));
            }
        }

        return (edges, pairs.Count);
    }

    private static int Rejoins(ForestScenario scenario)
        => Enumerable.Range(0, scenario.World.NodeCount).Sum(n => scenario.Node(n).Rejoins);

    [Fact]
    public void Each_parent_sends_one_keep_alive_per_child_neighbour_per_period_and_every_tree_stays_up()
    {
        ForestScenario scenario = Built(seed: 5);
        (int edges, int pairs) = CountLinks(scenario);
        int rejoins = Rejoins(scenario);

        MaintenanceSection m = scenario.MeasureMaintenance(Window, warmupMicros: 2 * Period);

        // Oracle: every parent–child pair gets one message a period (± one at the window's edges), however many
        // trees the two share; one message per tree would be `edges` a period instead.
        long periods = Window / Period;
        Assert.True(pairs < edges, $"the trees share no parent–child pair ({pairs} pairs, {edges} edges): the test proves nothing");
        Assert.InRange(m.KeepAlivesSent, (periods - 1) * pairs, (periods + 1) * pairs);
        Assert.Equal(0, m.KeepAliveLists); // steady trees: both ends' digests agree, so no list travels
        Assert.Equal(rejoins, Rejoins(scenario)); // and no child took its parent for dead
        Assert.Equal((edges, pairs), CountLinks(scenario));

        // The lists and digests carry what per-tree heartbeats used to: every child knows its parent's parent.
        int checkedChildren = 0;
        foreach (ForestScenario.AppRun app in scenario.Apps)
        {
            foreach (int s in app.Subscribers)
            {
                if (scenario.Node(s).TryGetTree(app.Id, out TreeInfo info) && !info.Parent.IsNone
                    && scenario.Node(info.Parent.Index).TryGetTree(app.Id, out TreeInfo parent))
                {
                    Assert.Equal(parent.Parent, info.Grandparent);
                    checkedChildren++;
                }
            }
        }

        Assert.True(checkedChildren > 1000, $"only {checkedChildren} children checked");
    }

    [Fact]
    public void A_child_whose_digest_differs_asks_for_the_list_and_a_stray_list_gets_a_leave()
    {
        ForestScenario scenario = Built(seed: 6);
        ForestScenario.AppRun app = scenario.Apps.First();
        int child = app.Subscribers.First(s => scenario.Node(s).TryGetTree(app.Id, out TreeInfo t) && !t.Parent.IsNone);
        scenario.Node(child).TryGetTree(app.Id, out TreeInfo info);
        int parent = info.Parent.Index;
        int stranger = app.Subscribers.First(s => s != child && s != parent && s != app.Root);
        var sent = new List<(int From, int To, MessageKind Kind, MessageFlags Flags)>();
        scenario.World.OnSend = (int from, int to, in Message m) => sent.Add((from, to, m.Kind, m.Flags));
        long lists = scenario.Node(parent).KeepAliveLists;

        // A keep-alive from the parent whose digest cannot be the child's: the child asks, the parent sends its list.
        scenario.World.Enter(parent);
        scenario.World.Send(new PeerHandle(child), TreeMessages.KeepAlive(hash: 12345, count: 99, trees: null));
        // A list from a node that is not the child's parent in that tree: the child tells it it left.
        var entry = new byte[KeepAliveEntryBytes];
        app.Id.WriteBytes(entry);
        entry[17] = entry[18] = 0xFF; // no grandparent
        scenario.World.Enter(stranger);
        scenario.World.Send(new PeerHandle(child), TreeMessages.KeepAlive(hash: 1, count: 1, trees: Payload.FromData(entry)));
        scenario.World.RunUntil(scenario.World.Now + 2_000_000);

        Assert.Contains((child, parent, TreeKind.Heartbeat, TreeFlags.KeepAlive), sent); // the request
        Assert.Equal(lists + 1, scenario.Node(parent).KeepAliveLists);
        Assert.Contains((child, stranger, TreeKind.Leave, MessageFlags.None), sent);
        Assert.True(scenario.Node(child).TryGetTree(app.Id, out TreeInfo after) && after.Parent.Index == parent); // nothing else changed
    }

    private const int KeepAliveEntryBytes = 19; // app id 16 | detached u8 | grandparent index u16

    [Fact]
    public void The_same_seed_gives_the_same_maintenance_figures()
    {
        MaintenanceSection a = Built(seed: 8).MeasureMaintenance(Window, 2 * Period);
        MaintenanceSection b = Built(seed: 8).MeasureMaintenance(Window, 2 * Period);
        Assert.Equal(a, b);
    }

    [Fact]
    public void A_central_server_answers_one_ping_per_session_per_period()
    {
        // 300 workers; worker i works for (i % 4) + 1 apps: 750 sessions.
        var sessions = new List<List<NodeId>>();
        for (int i = 0; i < 300; i++)
            sessions.Add(Enumerable.Range(0, (i % 4) + 1).Select(a => NodeId.FromRandom((ulong)a, 7)).ToList());
        int total = sessions.Sum(s => s.Count);
        var run = new CentralKeepAliveRun(sessions, new NetworkOptions(), Period, seed: 2);

        (double serverBytes, double serverMessages, Distribution workers) = run.Measure(Window);

        // Closed form: a ping and its answer per session per period, each one heartbeat's size plus the link overhead.
        int bytes = TreeMessages.Heartbeat(NodeId.FromRandom(0, 7), 0, false, null).EncodedSize + new LinkModel(new FlatTopology(2), 2, new NetworkOptions(), 1).OverheadBytes;
        double perSecond = 2.0 * total / (Period / 1e6);
        Assert.InRange(serverMessages, perSecond * 0.95, perSecond * 1.05);
        Assert.InRange(serverBytes, perSecond * bytes * 0.95, perSecond * bytes * 1.05);
        Assert.InRange(workers.Max / workers.Mean, 1.5, 1.7); // 4 sessions against a mean of 2.5
    }
}
