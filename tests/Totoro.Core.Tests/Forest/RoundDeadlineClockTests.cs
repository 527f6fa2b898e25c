using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// Every node has its own clock: in real mode a host that restarted counts from zero while the others are minutes
/// ahead. A round's deadline therefore travels as time left, and each node puts it on its own clock. Sent as a moment
/// on the root's clock, a worker whose clock is ahead found the round long over and answered at once with nothing
/// (the soak's apps that trained 40 rounds on "0 of 16 updates" when their master's host had just restarted).
/// </summary>
public class RoundDeadlineClockTests
{
    private const long TimeLeft = 5_000_000;
    private readonly FakeNetwork _network = new(seed: 41);
    private readonly NodeId _appId = NodeId.FromRandom(0xdead_1111_0000_0000, 5);

    [Fact]
    public void A_worker_whose_clock_runs_ahead_of_the_roots_waits_out_the_time_left_and_passes_it_on()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle parent, PeerHandle[] children) = Worker(clockAt: 400_000_000);
        long received = context.Now;

        node.Receive(parent, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f, 2f]), depth: 1, timeLeft: TimeLeft));

        List<FakeNodeContext.Sent> down = context.Drain().FindAll(s => s.Message.Kind == TreeKind.Broadcast);
        Assert.Equal(children.Length, down.Count);
        Assert.All(down, s => Assert.Equal(TimeLeft, TimeLeftOf(s))); // passed on as time left, not as a moment

        // Its own update and its children's are not in: before its cut-off (time left less one level margin) it waits.
        long cutoff = received + TimeLeft - new TreeOptions().LevelMarginMicros;
        context.AdvanceTo(cutoff - 1, node);
        Assert.DoesNotContain(context.Drain(), s => s.Message.Kind == TreeKind.Aggregate);

        // At the cut-off it sends what it has (nothing) up, once.
        context.AdvanceTo(cutoff + 1, node);
        Assert.Single(context.Drain(), s => s.Message.Kind == TreeKind.Aggregate && s.To == parent);
    }

    [Fact]
    public void A_deadline_a_microsecond_away_is_still_a_deadline_when_passed_on()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle parent, _) = Worker(clockAt: 7_000_000);
        node.Receive(parent, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f]), depth: 1, timeLeft: 1));
        List<FakeNodeContext.Sent> down = context.Drain().FindAll(s => s.Message.Kind == TreeKind.Broadcast);
        Assert.All(down, s => Assert.Equal(1, TimeLeftOf(s))); // a deadline never turns into "none" (0)
    }

    private static long TimeLeftOf(FakeNodeContext.Sent sent)
    {
        Message message = sent.Message;
        return new BroadcastView(in message).TimeLeft;
    }

    private (ForestNode Node, FakeNodeContext Context, PeerHandle Parent, PeerHandle[] Children) Worker(long clockAt)
    {
        (ForestNode node, FakeNodeContext context, _, PeerHandle parent, PeerHandle[] children) = TreeSeat.Worker(_network, _appId, clockAt);
        return (node, context, parent, children);
    }
}
