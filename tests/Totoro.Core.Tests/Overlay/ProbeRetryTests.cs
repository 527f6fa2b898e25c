using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Overlay;

public class ProbeRetryTests
{
    [Fact]
    public void With_two_probe_tries_one_lost_ping_does_not_kill_a_live_neighbour()
    {
        TwoNodeWorld world = ProbeWithFirstPingLost(new PastryOptions { ProbeTries = 2 });
        Assert.Empty(world.Deaths);
        Assert.Equal(1, world.Dropped); // the first probe; the second got its answer
    }

    [Fact]
    public void With_one_probe_try_the_same_lost_ping_declares_it_dead()
    {
        // The oracle for the test above, and the default every simulation runs with.
        TwoNodeWorld world = ProbeWithFirstPingLost(new PastryOptions());
        Assert.Equal([(0, new PeerHandle(1))], world.Deaths);
    }

    [Fact]
    public void A_dead_neighbour_is_still_declared_dead_after_its_tries()
    {
        var world = new TwoNodeWorld(new PastryOptions { ProbeTries = 2 }, dropFirst: null);
        world.Run(until: 1_000_000);
        world.Drop = (_, to, _) => to == 1; // node 1 is gone
        world.Node(0).ReportUnresponsive(new PeerHandle(1));
        world.Run(until: world.Now + (2 * 3_000_000) + 100_000);
        Assert.Equal([(0, new PeerHandle(1))], world.Deaths);
    }

    [Fact]
    public void Probe_tries_are_validated()
        => Assert.Contains(new PastryOptions { ProbeTries = 0 }.Validate(), p => p.Contains("probe tries", StringComparison.Ordinal));

    private static TwoNodeWorld ProbeWithFirstPingLost(PastryOptions options)
    {
        var world = new TwoNodeWorld(options, dropFirst: null);
        world.Run(until: 1_000_000);
        Assert.True(world.Node(1).IsJoined);
        bool lost = false;
        world.Drop = (from, _, message) => from == 0 && message.Kind == MessageKind.LeafSetPing && !lost && (lost = true);
        world.Node(0).ReportUnresponsive(new PeerHandle(1));
        world.Run(until: world.Now + (3 * options.ProbeTimeoutMicros));
        return world;
    }
}
