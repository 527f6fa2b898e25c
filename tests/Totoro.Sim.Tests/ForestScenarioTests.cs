using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests;

public class ForestScenarioTests
{
    private static ForestScenario Run(int nodes, int apps, int subscribers, int b = 4, int fanout = 0, bool vectors = false, ulong seed = 3)
    {
        var overlay = new OverlaySimConfig { Nodes = nodes, Lookups = 0, Seed = seed, Pastry = new PastryOptions { B = b } };
        var forest = new ForestSimConfig { Apps = apps, SubscribersPerApp = subscribers, ModelBytes = vectors ? 64 : 160 * 1024, Fanout = fanout, RealVectors = vectors };
        var scenario = new ForestScenario(overlay, forest);
        scenario.Overlay.BuildOverlay();
        scenario.Overlay.Settle(2);
        scenario.RunForest();
        return scenario;
    }

    [Fact]
    public void The_roots_merged_sum_equals_the_flat_weighted_sum_exactly()
    {
        ForestScenario scenario = Run(nodes: 600, apps: 4, subscribers: 150, vectors: true);
        foreach (ForestScenario.AppRun app in scenario.Apps)
        {
            Payload merged = Assert.IsType<Payload>(app.Merged);
            float[] tree = merged.Vector!;
            (float[] flat, double weights) = FlatSum.Of(app, tree.Length);

            // Small integers: every partial sum is exact in float, so tree and flat must agree to the bit.
            Assert.Equal(flat, tree);
            Assert.Equal(weights, merged.Weight);
            Assert.Equal(150, app.Contributions);
        }
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(4, 0)]
    [InlineData(5, 0)]
    [InlineData(4, 4)]
    [InlineData(4, 2)]
    public void Every_subscriber_gets_each_broadcast_once_and_the_fanout_bound_holds(int b, int fanout)
    {
        const int Nodes = 800, Apps = 3, Subscribers = 200;
        ForestScenario scenario = Run(Nodes, Apps, Subscribers, b, fanout);
        int bound = fanout > 0 ? fanout : 1 << b;
        ForestSection report = scenario.RunReport();

        Assert.Equal(Apps * Subscribers, report.BroadcastsDelivered);
        Assert.Equal(0, report.DuplicateDeliveries);
        Assert.Equal(Apps * Subscribers, report.ContributionsAggregated);
        foreach (AppTreeReport tree in report.Trees)
        {
            Assert.Equal(Subscribers, tree.Attached);
            Assert.InRange(tree.MaxChildren, 1, bound);
            Assert.Equal(Subscribers, tree.Contributions);
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Trees_are_about_as_deep_as_a_pastry_route(int b)
    {
        const int Nodes = 1000;
        ForestScenario scenario = Run(Nodes, apps: 5, subscribers: 200, b: b);
        int routeBound = (int)Math.Ceiling(Math.Log(Nodes) / Math.Log(1 << b));
        foreach (AppTreeReport tree in scenario.RunReport().Trees)
        {
            // Join paths are Pastry routes (at most about ⌈log_2^b N⌉ hops); the fanout bound may push the shallowest
            // subtrees one level further down.
            Assert.InRange(tree.Depth, 1, routeBound + 1);
        }
    }

    [Fact]
    public void Each_apps_root_is_the_node_closest_to_its_id()
    {
        ForestScenario scenario = Run(nodes: 500, apps: 20, subscribers: 10);
        foreach (ForestScenario.AppRun app in scenario.Apps)
        {
            Assert.True(scenario.Node(app.Root).IsRootOf(app.Id));
            int roots = Enumerable.Range(0, 500).Count(i => scenario.Node(i).IsRootOf(app.Id));
            Assert.Equal(1, roots);
        }
    }

    [Fact]
    public void Apps_advertised_on_the_discovery_tree_reach_every_subscriber_including_late_ones()
    {
        ForestScenario scenario = CatalogueTree(nodes: 400, subscribers: 300, seed: 8);

        var first = new Advertisement(AppId.Create("speech", [1, 2], 7), 16, "speech", "dataset=speech-commands");
        var second = new Advertisement(AppId.Create("femnist", [3], 9), 8, "femnist", "min-cpu=2");
        SimWorldAt(scenario, 350, n => n.Advertise(first));
        SimWorldAt(scenario, 351, n => n.Advertise(second));
        scenario.World.RunUntil(scenario.World.Now + 5_000_000);
        for (int i = 300; i < 320; i++) // late subscribers: their new parent hands them the catalogue
            SimWorldAt(scenario, i, n => n.Subscribe(AppId.AdvertiseDiscover));
        scenario.World.RunUntil(scenario.World.Now + 5_000_000);

        for (int i = 0; i < 320; i++)
        {
            var seen = scenario.Node(i).Catalogue
                .Select(bytes => Advertisement.TryDecode(bytes, out Advertisement? ad, out _) ? ad : null)
                .ToHashSet();
            Assert.Contains(first, seen);
            Assert.Contains(second, seen);
        }
    }

    [Fact]
    public void An_advertisement_lost_with_the_catalogue_root_reaches_everyone_when_announced_again()
    {
        ForestScenario scenario = CatalogueTree(nodes: 300, subscribers: 250, seed: 11);
        int root = Enumerable.Range(0, 300).Single(i => scenario.Node(i).TryGetTree(AppId.AdvertiseDiscover, out TreeInfo t) && t.IsRoot);
        int sender = Enumerable.Range(250, 50).First(i => i != root);

        // The catalogue's root dies as the app is advertised: the routed advertisement (no hop acks) dies with it.
        var app = new Advertisement(AppId.Create("speech", [1, 2], 7), 16, "speech", "dataset=speech-commands");
        scenario.World.Kill(root);
        SimWorldAt(scenario, sender, n => n.Advertise(app));
        scenario.World.RunUntil(scenario.World.Now + 90_000_000); // orphans re-join under a new catalogue root
        int[] live = [.. Enumerable.Range(0, 250).Where(i => i != root)];
        Assert.All(live, i => Assert.DoesNotContain(app, Catalogue(scenario, i)));

        SimWorldAt(scenario, sender, n => n.Advertise(app)); // announced again (LearningNode does so while workers are missing)
        scenario.World.RunUntil(scenario.World.Now + 5_000_000);
        Assert.All(live, i => Assert.Contains(app, Catalogue(scenario, i)));

        // Announced once more, it goes all the way down although every node knows it (a subtree may have lost it).
        SimWorldAt(scenario, sender, n => n.Advertise(app));
        scenario.World.RunUntil(scenario.World.Now + 5_000_000);
        Assert.All(live, i => Assert.Equal(1, scenario.Node(i).Reannouncements));
    }

    /// <summary>An overlay with no apps whose first <paramref name="subscribers"/> nodes joined the advertise–discover tree.</summary>
    private static ForestScenario CatalogueTree(int nodes, int subscribers, ulong seed)
    {
        var overlay = new OverlaySimConfig { Nodes = nodes, Lookups = 0, Seed = seed };
        var scenario = new ForestScenario(overlay, new ForestSimConfig { Apps = 0, SubscribersPerApp = 1 });
        scenario.Overlay.BuildOverlay();
        scenario.Overlay.Settle(1);
        for (int i = 0; i < subscribers; i++)
            SimWorldAt(scenario, i, n => n.Subscribe(AppId.AdvertiseDiscover));
        scenario.World.RunUntil(scenario.World.Now + 5_000_000);
        return scenario;
    }

    private static HashSet<Advertisement?> Catalogue(ForestScenario scenario, int node) => scenario.Node(node).Catalogue
        .Select(bytes => Advertisement.TryDecode(bytes, out Advertisement? ad, out _) ? ad : null)
        .ToHashSet();

    [Fact]
    public void Orphans_rejoin_after_their_parent_dies_and_the_next_broadcast_reaches_every_live_subscriber()
    {
        ForestScenario scenario = Run(nodes: 600, apps: 1, subscribers: 200);
        ForestScenario.AppRun app = scenario.Apps.Single();
        // Kill interior nodes (not the root): every node with children other than the root.
        var interior = Enumerable.Range(0, 600)
            .Where(i => i != app.Root && scenario.Node(i).TryGetTree(app.Id, out TreeInfo t) && t.Children.Length > 0)
            .Take(5)
            .ToList();
        Assert.NotEmpty(interior);
        foreach (int i in interior)
            scenario.World.Kill(i);

        // Leaf sets notice (lease + probes) and orphans time out their parent (30 s) and re-join.
        scenario.World.RunUntil(scenario.World.Now + 90_000_000);
        scenario.World.Enter(app.Root);
        int round = scenario.Node(app.Root).Broadcast(app.Id, Payload.SizeOnly(1000));
        scenario.World.RunUntil(scenario.World.Now + 10_000_000);

        foreach (int s in app.Subscribers.Where(s => !interior.Contains(s)))
        {
            Assert.True(scenario.Node(s).TryGetTree(app.Id, out TreeInfo info));
            Assert.Equal(round, info.Round);
        }
    }

    [Fact]
    public void A_live_child_its_parent_took_for_dead_is_back_in_the_next_round_with_its_subtree()
    {
        ForestScenario scenario = Run(nodes: 600, apps: 1, subscribers: 200);
        ForestScenario.AppRun app = scenario.Apps.Single();
        TreeInfo Tree(int node) => scenario.Node(node).TryGetTree(app.Id, out TreeInfo t) ? t : default;
        // An interior child (its subtree goes with it) whose parent is not the root: it re-joins through the root.
        int child = app.Subscribers.First(s => Tree(s).Children.Length > 0 && !Tree(s).Parent.IsNone && Tree(s).Parent.Index != app.Root);
        int parent = Tree(child).Parent.Index;

        // The parent's overlay takes the child for dead (its probes were late, say): dropped, but the child is alive.
        scenario.World.Enter(parent);
        scenario.Node(parent).OnPeerDead(scenario.Node(parent).Overlay, new PeerHandle(child));
        Assert.DoesNotContain(new PeerHandle(child), Tree(parent).Children);
        scenario.World.RunUntil(scenario.World.Now + 2_000_000);

        // Long before any keep-alive would lapse (30 s and more), the next round reaches everyone and comes back whole.
        scenario.World.Enter(app.Root);
        int round = scenario.Node(app.Root).Broadcast(app.Id, Payload.SizeOnly(1000));
        scenario.World.RunUntil(scenario.World.Now + 5_000_000);
        Assert.All(app.Subscribers, s => Assert.Equal(round, Tree(s).Round));
        Assert.Equal(1, scenario.Node(child).DisownedRejoins);
    }

    [Fact]
    public void The_roots_closest_leaf_set_neighbours_hold_its_state()
    {
        ForestScenario scenario = Run(nodes: 300, apps: 1, subscribers: 50, vectors: true);
        ForestScenario.AppRun app = scenario.Apps.Single();
        PastryNode root = scenario.Node(app.Root).Overlay;
        int[] closest = [root.RightLeaves()[0].Index, root.LeftLeaves()[0].Index];
        foreach (int replica in closest)
        {
            Assert.True(scenario.Node(replica).TryGetTree(app.Id, out TreeInfo info));
            Assert.Equal(app.Round, info.ReplicaRound);
            Assert.NotNull(info.ReplicaModel?.Vector);
        }
    }

    [Fact]
    public void A_root_whose_workers_saw_rounds_but_that_holds_no_state_keeps_asking_and_never_starts_afresh()
    {
        ForestScenario scenario = Run(nodes: 300, apps: 1, subscribers: 50, vectors: true);
        ForestScenario.AppRun app = scenario.Apps.Single();
        PastryNode root = scenario.Node(app.Root).Overlay;
        int replicas = scenario.Node(app.Root).Descriptor(app.Id)!.Options.Replicas;
        // The root and every replica holder die together: the app's state is gone from the live nodes.
        int[] dead = [app.Root, .. root.RightLeaves().Take(replicas).Concat(root.LeftLeaves().Take(replicas)).Select(p => p.Index).Distinct()];
        foreach (int i in dead)
            scenario.World.Kill(i);
        scenario.World.RunUntil(scenario.World.Now + 90_000_000); // orphans re-join: the next closest node is root

        int heir = Enumerable.Range(0, 300).Where(i => scenario.World.IsAlive(i) && scenario.Node(i).IsRootOf(app.Id))
            .OrderBy(i => app.Id.DistanceTo(scenario.Node(i).Overlay.Id)).First();
        ForestNode node = scenario.Node(heir);
        Assert.True(node.TryGetTree(app.Id, out TreeInfo info));
        Assert.Equal(app.Round, info.Round); // it took the round from its joiners, nothing more
        Assert.Equal(0, info.ReplicaRound);
        Assert.Equal(-1, node.AwaitedStateRound(app.Id)); // nobody asked it to start the app yet

        scenario.World.Enter(heir);
        Assert.True(node.IsPullingState(app.Id)); // the app layer would start the app: first it asks for the state
        Assert.Equal(app.Round, node.AwaitedStateRound(app.Id));
        for (int grace = 0; grace < 3; grace++)
        {
            scenario.World.RunUntil(scenario.World.Now + ForestNode.PullGraceMicros + 1);
            scenario.World.Enter(heir);
            Assert.True(node.IsPullingState(app.Id)); // its workers saw rounds: the state lives somewhere, so it asks again
        }

        Assert.Equal(4, node.ReplicaPulls);
    }

    [Fact]
    public void An_app_confined_to_its_creators_zone_keeps_its_whole_tree_there()
    {
        var overlay = new OverlaySimConfig { Nodes = 1200, Lookups = 0, Seed = 4, Topology = TopologyKind.Regions, Zones = 6 };
        var forest = new ForestSimConfig { Apps = 4, SubscribersPerApp = 60, ModelBytes = 64, RealVectors = true, ConfineToZone = true };
        var scenario = new ForestScenario(overlay, forest);
        scenario.Overlay.BuildOverlay();
        scenario.Overlay.Settle(2);
        ForestSection report = scenario.RunForest();

        Assert.Equal(240, report.BroadcastsDelivered);
        Assert.Equal(240, report.ContributionsAggregated);
        foreach (ForestScenario.AppRun app in scenario.Apps)
        {
            Assert.InRange(app.Zone, 0, 5);
            Assert.Equal(app.Zone, scenario.Overlay.ZoneMap.ZoneOf(app.Id));
            Assert.All(scenario.TreeMembers(app), n => Assert.Equal(app.Zone, scenario.Overlay.ZoneOfNode(n)));
            Assert.True(scenario.Node(app.Root).IsRootOf(app.Id));
        }

        Assert.All(report.Trees, t => Assert.Equal(0, t.TreeNodesOutsideZone));
    }

    [Theory]
    [InlineData(5000, true)]
    [InlineData(0, false)]
    public void A_round_deadline_leaves_dead_workers_out_instead_of_stalling(int deadlineMs, bool completes)
    {
        var overlay = new OverlaySimConfig { Nodes = 500, Lookups = 0, Seed = 6 };
        var forest = new ForestSimConfig { Apps = 1, SubscribersPerApp = 120, ModelBytes = 32, RealVectors = true, RoundDeadlineMs = deadlineMs };
        var scenario = new ForestScenario(overlay, forest);
        scenario.Overlay.BuildOverlay();
        scenario.Overlay.Settle(2);
        scenario.Subscribe();
        ForestScenario.AppRun app = scenario.Apps.Single();

        // Ten workers die before the round: leaves (no children), so the rest of the tree is intact.
        int[] dead = app.Subscribers
            .Where(s => s != app.Root && scenario.Node(s).TryGetTree(app.Id, out TreeInfo t) && t.Children.Length == 0)
            .Take(10)
            .ToArray();
        Assert.Equal(10, dead.Length);
        foreach (int d in dead)
            scenario.World.Kill(d);
        scenario.Disseminate();
        scenario.AggregateAll();

        if (!completes)
        {
            Assert.Equal(-1, app.AggregatedAt); // without a deadline the parents of the dead wait forever
            return;
        }

        Assert.True(app.AggregatedAt >= 0);
        Assert.True(app.AggregatedAt - app.AggregateAt <= deadlineMs * 1000L);
        Assert.Equal(110, app.Contributions);
        // Exactly the live workers' contributions, each once: the root's sum is their flat sum, bit for bit.
        float[] tree = app.Merged!.Vector!;
        for (int i = 0; i < tree.Length; i++)
        {
            double flat = app.Subscribers.Where(s => !dead.Contains(s)).Sum(s => ForestScenario.Contribution(s, i).Weight * ForestScenario.Contribution(s, i).Value);
            Assert.Equal((float)flat, tree[i]);
        }
    }

    private static void SimWorldAt(ForestScenario scenario, int node, Action<ForestNode> act)
    {
        scenario.World.Enter(node);
        act(scenario.Node(node));
    }
}
