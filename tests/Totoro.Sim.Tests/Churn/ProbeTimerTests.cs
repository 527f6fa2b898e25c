using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class ProbeTimerTests
{
    [Fact]
    public void An_answered_probe_s_timer_does_not_kill_a_live_peer_probed_again_just_before_it_fires()
    {
        PastryOptions pastry = new PastryOptions().WithPaperFailureTimers();
        var overlay = new OverlayScenario(new OverlaySimConfig { Nodes = 200, Lookups = 0, Seed = 5, Pastry = pastry });
        overlay.Run();
        const int node = 7;
        PastryNode a = overlay.Node(node)!;
        PeerHandle b = a.RightLeaves()[0];
        Assert.True(overlay.World.IsAlive(b.Index));

        // Probe 1 is answered within milliseconds; its timer still fires at t0 + the probe timeout.
        long t0 = overlay.World.Now;
        overlay.World.Enter(node);
        a.ReportUnresponsive(b);
        overlay.World.RunUntil(t0 + pastry.ProbeTimeoutMicros - 1);
        Assert.False(a.Doubts(b));
        Assert.True(a.KnowsOf(b));

        // Probe 2 starts 1 µs before that stale timer (another failure nearby, say): its answer is still on the way
        // when the timer fires, and only probe 2's own timer may rule.
        overlay.World.Enter(node);
        a.ReportUnresponsive(b);
        overlay.World.RunUntil(t0 + pastry.ProbeTimeoutMicros);
        Assert.True(a.KnowsOf(b)); // not declared dead (and dropped from the leaf set) by the stale timer

        overlay.World.RunUntil(t0 + pastry.ProbeTimeoutMicros + 1_000_000);
        Assert.False(a.Doubts(b)); // probe 2 answered
        Assert.True(a.KnowsOf(b));
    }
}
