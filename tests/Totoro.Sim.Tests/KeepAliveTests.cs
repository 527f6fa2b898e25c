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
    private const long AuditWindow = 2 * ForestNode.AuditEvery * Period; // two whole audit rounds

    private static ForestScenario Built(ulong seed, int apps = 60)
    {
        var overlay = new OverlaySimConfig { Nodes = 400, Lookups = 0, Seed = seed, Pastry = new PastryOptions { B = 4 } };
        var scenario = new ForestScenario(overlay, new ForestSimConfig { Apps = apps, SubscribersPerApp = 40, ModelBytes = 1000 });
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

    /// <summary>Brute force: per node with children, its distinct watchers (its closest leaf-set neighbours on each side).</summary>
    private static long WatcherLinks(ForestScenario scenario)
    {
        long links = 0;
        for (int n = 0; n < scenario.World.NodeCount; n++)
        {
            ForestNode node = scenario.Node(n);
            if (!node.Trees.Any(app => node.TryGetTree(app, out TreeInfo info) && info.Children.Length > 0))
                continue;
            var watchers = new HashSet<PeerHandle>();
            for (int rank = 0; rank < ForestNode.WatchersPerSide; rank++)
            {
                watchers.Add(node.Overlay.LeafNeighbour(clockwise: true, rank));
                watchers.Add(node.Overlay.LeafNeighbour(clockwise: false, rank));
            }

            watchers.Remove(PeerHandle.None);
            links += watchers.Count;
        }

        return links;
    }

    [Fact]
    public void Each_parent_sends_each_watcher_one_keep_alive_a_period_and_each_child_neighbour_one_every_audit_and_every_tree_stays_up()
    {
        ForestScenario scenario = Built(seed: 5);
        (int edges, int pairs) = CountLinks(scenario);
        long watchers = WatcherLinks(scenario);
        int rejoins = Rejoins(scenario);

        MaintenanceSection m = scenario.MeasureMaintenance(AuditWindow, warmupMicros: 2 * Period);

        // Oracle: each watcher link carries one message a period, and each parent–child pair one every audit
        // (± one at the window's edges), however many trees the two share; one message per tree and period would be
        // `edges` a period instead, and one per pair and period `pairs`.
        long periods = AuditWindow / Period, audits = AuditWindow / (ForestNode.AuditEvery * Period);
        Assert.True(pairs < edges, $"the trees share no parent–child pair ({pairs} pairs, {edges} edges): the test proves nothing");
        Assert.InRange(m.WatchKeepAlivesSent, (periods - 1) * watchers, (periods + 1) * watchers);
        Assert.InRange(m.KeepAlivesSent, (audits - 1) * pairs, (audits + 1) * pairs);
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

    /// <summary>
    /// Fig. 7's measure from message counts: with no list travelling, a node's tree bytes a second (sent plus received)
    /// are 2 × (watcher links / T + child-neighbour pairs / (A·T)) × one keep-alive's bytes, over the nodes; at ten
    /// times the trees only the audits' term grows, so the per-node ratio is the closed form's, not the pairs' ratio.
    /// </summary>
    [Fact]
    public void Tree_bytes_per_node_at_ten_times_the_trees_follow_the_closed_form_of_watchers_and_audits()
    {
        double Predicted(ForestScenario scenario)
        {
            (_, int pairs) = CountLinks(scenario);
            long watchers = WatcherLinks(scenario);
            int bytes = TreeMessages.KeepAlive(0, 0, null).EncodedSize + scenario.World.Links.OverheadBytes;
            double perSecond = (watchers / (Period / 1e6)) + (pairs / (ForestNode.AuditEvery * Period / 1e6));
            return 2 * perSecond * bytes / scenario.Overlay.JoinedNodes.Length;
        }

        ForestScenario few = Built(seed: 9, apps: 10), many = Built(seed: 9, apps: 100);
        double fewPredicted = Predicted(few), manyPredicted = Predicted(many);
        MaintenanceSection a = few.MeasureMaintenance(AuditWindow, 2 * Period), b = many.MeasureMaintenance(AuditWindow, 2 * Period);

        // The window holds whole audit rounds, so the counts match the rates to the phase of each node's timer.
        Assert.InRange(a.TreeBytesPerSecond.Mean, fewPredicted * 0.9, fewPredicted * 1.1);
        Assert.InRange(b.TreeBytesPerSecond.Mean, manyPredicted * 0.9, manyPredicted * 1.1);
        Assert.InRange(b.TreeBytesPerSecond.Mean / a.TreeBytesPerSecond.Mean, manyPredicted / fewPredicted * 0.9, manyPredicted / fewPredicted * 1.1);
        (_, int fewPairs) = CountLinks(few);
        (_, int manyPairs) = CountLinks(many);
        Assert.True(manyPairs > 3 * fewPairs, $"ten times the trees gave {manyPairs} pairs against {fewPairs}: the test proves nothing");
        Assert.True(manyPredicted / fewPredicted < 0.6 * manyPairs / fewPairs, "the closed form grows like the pairs: watchers carry nothing");
    }

    /// <summary>
    /// A parent dies with no round running: its watchers (its closest leaf-set neighbours) tell its children, which
    /// re-join within the parent timeout and a tick, although their own timeout has grown by the audits' spacing.
    /// </summary>
    [Fact]
    public void A_dead_parent_s_children_hear_of_it_from_its_watchers_and_re_attach_within_the_parent_timeout()
    {
        ForestScenario scenario = Built(seed: 11);
        scenario.World.RunUntil(scenario.World.Now + (2 * Period));
        TreeInfo Tree(int node, NodeId app) => scenario.Node(node).TryGetTree(app, out TreeInfo t) ? t : default;

        // The busiest interior node that roots no tree: its children across every tree are orphaned together.
        int victim = Enumerable.Range(0, scenario.World.NodeCount)
            .Where(n => scenario.Apps.All(a => a.Root != n))
            .MaxBy(n => scenario.Node(n).Trees.Sum(app => Tree(n, app).Children.Length));
        var orphans = scenario.Node(victim).Trees
            .SelectMany(app => Tree(victim, app).Children.Select(c => (App: app, Child: c.Index)))
            .ToList();
        Assert.True(orphans.Count >= 5, $"only {orphans.Count} orphans");
        Assert.True(orphans.All(o => Tree(o.Child, o.App).ParentLease > 1), "the children were not on the audit's lease");
        int heard = Enumerable.Range(0, scenario.World.NodeCount).Sum(n => scenario.Node(n).ParentDeathsHeard);

        scenario.World.Kill(victim);
        long timeout = new TreeOptions().ParentTimeoutMicros;
        scenario.World.RunUntil(scenario.World.Now + timeout + Period + 5_000_000);

        foreach ((NodeId app, int child) in orphans)
        {
            TreeInfo info = Tree(child, app);
            Assert.False(info.Parent.IsNone && !info.IsRoot, $"an orphan of {app} has no parent");
            Assert.NotEqual(victim, info.Parent.Index);
            Assert.True(scenario.World.IsAlive(info.Parent.Index) || info.IsRoot);
        }

        // They heard it from the watchers: on their own (audit-long) timeout they would still be waiting.
        Assert.True(Enumerable.Range(0, scenario.World.NodeCount).Sum(n => scenario.Node(n).ParentDeathsHeard) > heard);
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
        Assert.Equal(a with { ByKind = [] }, b with { ByKind = [] });
        Assert.Equal(a.ByKind, b.ByKind);
        Assert.NotEmpty(a.ByKind);
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
