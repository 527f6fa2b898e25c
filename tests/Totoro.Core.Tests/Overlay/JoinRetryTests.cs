using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Overlay;

public class JoinRetryTests
{
    private const long LinkDelay = 5_000;

    [Theory]
    [InlineData(MessageKind.JoinRequest)]
    [InlineData(MessageKind.JoinReply)]
    public void A_lost_join_message_is_sent_again_after_the_join_retry_not_the_join_timeout(MessageKind lost)
    {
        var options = new PastryOptions { JoinRetryMicros = 1_500_000 };
        var world = new World(options, dropFirst: lost);
        world.Run(until: 5_000_000);

        Assert.True(world.Joiner.IsJoined, $"the joiner must have joined within 5 s of simulated time ({world.Joiner.JoinAttempts} attempts)");
        Assert.Equal(2, world.Joiner.JoinAttempts);
        Assert.InRange(world.JoinedAt, 1_500_000, 2_000_000);
        Assert.Equal(1, world.Dropped);
    }

    [Fact]
    public void Without_the_join_retry_a_lost_join_waits_for_the_join_timeout()
    {
        // The oracle for the test above: the same loss costs a whole join timeout when the option is off.
        var world = new World(new PastryOptions(), dropFirst: MessageKind.JoinRequest);
        world.Run(until: 5_000_000);
        Assert.False(world.Joiner.IsJoined);
        world.Run(until: 31_000_000);
        Assert.True(world.Joiner.IsJoined);
        Assert.InRange(world.JoinedAt, 30_000_000, 31_000_000);
    }

    [Fact]
    public void Quick_retries_are_bounded_then_the_listener_hears_of_the_stall_and_retries_slow_down()
    {
        var options = new PastryOptions { JoinRetryMicros = 1_000_000, JoinRetries = 3, JoinTimeoutMicros = 20_000_000 };
        var world = new World(options, dropFirst: null, bootstrapDead: true);
        world.Run(until: 10_000_000);
        Assert.False(world.Joiner.IsJoined);
        Assert.Equal(4, world.Joiner.JoinAttempts); // the first and three quick retries
        Assert.Equal([3], world.Stalls);
        world.Run(until: 40_000_000);
        Assert.Equal(5, world.Joiner.JoinAttempts); // then one per join timeout
        Assert.Equal([3], world.Stalls);
    }

    [Fact]
    public void Join_retry_options_are_validated()
    {
        Assert.Contains(new PastryOptions { JoinRetryMicros = -1 }.Validate(), p => p.Contains("join retr", StringComparison.Ordinal));
        Assert.Contains(new PastryOptions { JoinRetries = 65 }.Validate(), p => p.Contains("join retr", StringComparison.Ordinal));
        Assert.Equal(0, new PastryOptions().JoinRetryMicros); // off unless asked for: static simulations are unchanged
    }

    /// <summary>
    /// Two nodes on one link with a fixed delay: node 0 founds the overlay, node 1 joins through it. The first message
    /// of one kind is dropped; a dead bootstrap drops everything sent to it.
    /// </summary>
    private sealed class World : IOverlayListener
    {
        private readonly PriorityQueue<Action, (long At, long Seq)> _events = new();
        private readonly NodeId[] _ids = [new NodeId(UInt128.MaxValue / 3), new NodeId(UInt128.MaxValue / 3 * 2)];
        private readonly PastryNode[] _nodes;
        private readonly MessageKind? _dropFirst;
        private readonly bool _bootstrapDead;
        private long _seq;

        public World(PastryOptions options, MessageKind? dropFirst, bool bootstrapDead = false)
        {
            _dropFirst = dropFirst;
            _bootstrapDead = bootstrapDead;
            _nodes = [new PastryNode(new Context(this, 0), _ids[0], options, this), new PastryNode(new Context(this, 1), _ids[1], options, this)];
            _nodes[0].Start(PeerHandle.None);
            _nodes[1].Start(new PeerHandle(0));
        }

        public long Now { get; private set; }

        public PastryNode Joiner => _nodes[1];

        public long JoinedAt { get; private set; } = -1;

        public int Dropped { get; private set; }

        public List<int> Stalls { get; } = [];

        public void Run(long until)
        {
            while (_events.TryPeek(out _, out var at) && at.At <= until)
            {
                Now = at.At;
                _events.Dequeue()();
            }

            Now = until;
        }

        public void OnJoined(PastryNode node)
        {
            if (node == Joiner)
                JoinedAt = Now;
        }

        public void OnJoinStalled(PastryNode node, PeerHandle bootstrap, int attempts) => Stalls.Add(attempts);

        public void OnDeliver(PastryNode node, PeerHandle from, in Message message)
        {
        }

        private void At(long delay, Action action) => _events.Enqueue(action, (Now + delay, _seq++));

        private void Send(int from, PeerHandle to, Message message)
        {
            if ((_bootstrapDead && to.Index == 0) || (_dropFirst == message.Kind && Dropped == 0))
            {
                Dropped++;
                return;
            }

            At(LinkDelay, () => _nodes[to.Index].Receive(new PeerHandle(from), message));
        }

        private sealed class Context(World world, int index) : INodeContext
        {
            public long Now => world.Now;

            public PeerHandle Self => new(index);

            public NodeId IdOf(PeerHandle peer) => world._ids[peer.Index];

            public long ProximityTo(PeerHandle peer) => peer.Index == index ? 0 : 2 * LinkDelay;

            public void Send(PeerHandle peer, in Message message) => world.Send(index, peer, message);

            public void SetTimer(long delayMicros, int timer, long argument = 0)
                => world.At(delayMicros, () => world._nodes[index].OnTimer(timer, argument));

            public ulong NextRandom() => 12345;
        }
    }
}
