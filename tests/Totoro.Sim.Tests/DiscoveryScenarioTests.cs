using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Baselines;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests;

/// <summary>
/// The AD-tree ablation's two worlds against what each must do: the tree brings every advertised app to every node
/// and survives its root's crash; the directory answers every node's poll once a period and, crashed, tells no one.
/// </summary>
public sealed class DiscoveryScenarioTests
{
    private const double Poll = 10, Window = 60, After = 5, FailureWindow = 60;

    private static DiscoveryScenario Run(DiscoverySystem system, int nodes, ulong seed = 5)
    {
        var overlay = new OverlaySimConfig { Nodes = nodes, Lookups = 0, Seed = seed, Topology = TopologyKind.Regions, Pastry = new PastryOptions().WithPaperFailureTimers() };
        var config = new DiscoverySimConfig
        {
            System = system,
            Advertisements = 3,
            WindowSeconds = Window,
            PollPeriodSeconds = Poll,
            AdvertiseAfterFailureSeconds = After,
            FailureWindowSeconds = FailureWindow,
        };
        return new DiscoveryScenario(overlay, config);
    }

    [Fact]
    public void The_tree_brings_every_app_to_every_node_and_the_app_advertised_after_its_root_dies_too()
    {
        DiscoveryScenario scenario = Run(DiscoverySystem.AdTree, nodes: 300);
        DiscoverySection d = scenario.Run();
        IDiscoveryWorld world = scenario.World;

        // Oracle: each live node's own catalogue is exactly the set of apps advertised, the late one included.
        int[] live = [.. world.Participants.Where(world.World.IsAlive)];
        Assert.Equal(299, live.Length); // the root crashed
        Assert.False(world.World.IsAlive(d.Hub));
        Assert.NotEqual(d.Hub, d.NewHub);
        ForestScenario forest = ((AdTreeDiscoveryWorld)world).Forest; // repaired: one live root, the node closest to the tree's id
        Assert.Equal([d.NewHub], live.Where(n => forest.Node(n).IsRootOf(AppId.AdvertiseDiscover)));
        var advertised = scenario.Apps.ToHashSet();
        Assert.Equal(4, advertised.Count);
        Assert.All(live, n => Assert.True(world.Known(n).SetEquals(advertised), $"node {n} knows {world.Known(n).Count} of the 4 apps"));
        Assert.Equal(300, d.CatalogueComplete);
        Assert.Equal(live.Length, d.FailureCatalogueComplete);
        Assert.Equal(1.0, d.FailureReach);

        // Each node's recorded first sight is one its catalogue confirms, and the shares come in order.
        Assert.All(live, n => Assert.All(scenario.Apps, app => Assert.NotNull(world.Log.LearnedAt(app, n))));
        Assert.True(d.SecondsTo50 <= d.SecondsTo90 && d.SecondsTo90 <= d.SecondsTo99 && d.SecondsTo99 <= d.SecondsTo100);
        Assert.True(d.SecondsTo100 < 2, $"a tree of 300 nodes took {d.SecondsTo100} s to tell everyone");

        // The root's load does not grow with the nodes: a tree node keeps up with at most 16 children.
        Assert.True(d.HubMessagesPerSecond < 5, $"the root handled {d.HubMessagesPerSecond} messages a second");
    }

    [Fact]
    public void The_directory_answers_every_nodes_poll_each_period_and_once_crashed_tells_no_one()
    {
        const int nodes = 300;
        DiscoveryScenario scenario = Run(DiscoverySystem.Directory, nodes);
        DiscoverySection d = scenario.Run();
        var world = (DirectoryDiscoveryWorld)scenario.World;

        Assert.Equal(nodes, world.Registrations);
        Assert.Equal(2, d.SetupMessagesPerNode); // one registration and its ack
        Assert.Equal(nodes, d.Hub);
        Assert.True(d.BusiestIsHub);

        // Each node polls once a period, so the directory gets N × (W / P) polls in the window, give or take one a
        // node, and sends as many answers: 2 N / P messages a second.
        double perSecond = 2.0 * nodes / Poll;
        double slack = 2.0 * nodes / Window;
        Assert.InRange(d.HubMessagesPerSecond, perSecond - slack, perSecond + slack);
        Assert.True(world.PollsAnswered >= nodes * (long)(((Window + 20) / Poll) - 1), $"{world.PollsAnswered} polls answered"); // and the 20 s warm-up

        // A node learns an app at its next poll: within a period (and a round trip), uniformly spread.
        Assert.Equal(nodes, d.CatalogueComplete);
        Assert.InRange(d.SecondsTo100!.Value, Poll * 0.9, Poll + 1);
        Assert.InRange(d.SecondsTo50!.Value, Poll * 0.3, Poll * 0.7);

        // Crashed: the app advertised afterwards reaches no one; its creator keeps announcing every 5 s.
        Assert.Equal(0, d.FailureReach);
        Assert.Null(d.FailureSecondsTo50);
        Assert.Equal((int)Math.Ceiling((FailureWindow - After) / 5.0), d.FailureAnnouncements);
        Assert.Equal(0, d.FailureCatalogueComplete);
    }

    [Fact]
    public void The_tree_is_far_lighter_than_the_directory_at_its_busiest_node_and_faster()
    {
        DiscoverySection tree = Run(DiscoverySystem.AdTree, nodes: 600).Run();
        DiscoverySection directory = Run(DiscoverySystem.Directory, nodes: 600).Run();
        Assert.True(tree.BusiestMessagesPerSecond * 10 < directory.BusiestMessagesPerSecond, $"{tree.BusiestMessagesPerSecond} vs {directory.BusiestMessagesPerSecond}");
        Assert.True(tree.SecondsTo99 * 5 < directory.SecondsTo99, $"{tree.SecondsTo99} vs {directory.SecondsTo99}");
    }

    [Theory]
    [InlineData(DiscoverySystem.AdTree)]
    [InlineData(DiscoverySystem.Directory)]
    public void The_same_seed_gives_the_same_figures(DiscoverySystem system)
    {
        Assert.Equal(Run(system, 200, seed: 9).Run(), Run(system, 200, seed: 9).Run());
        Assert.NotEqual(Run(system, 200, seed: 9).Run(), Run(system, 200, seed: 10).Run());
    }
}
