using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Overlay;

/// <summary>
/// Two nodes on one link with a fixed delay: node 0 founds the overlay, node 1 joins through it. The first message
/// of one kind is dropped; a dead bootstrap drops everything sent to it.
/// </summary>
internal sealed class TwoNodeWorld : IOverlayListener
{
    public const long LinkDelay = 5_000;

    private readonly PriorityQueue<Action, (long At, long Seq)> _events = new();
    private readonly NodeId[] _ids = [new NodeId(UInt128.MaxValue / 3), new NodeId(UInt128.MaxValue / 3 * 2)];
    private readonly PastryNode[] _nodes;
    private readonly MessageKind? _dropFirst;
    private readonly bool _bootstrapDead;
    private long _seq;

    public TwoNodeWorld(PastryOptions options, MessageKind? dropFirst, bool bootstrapDead = false)
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

    public List<(int Node, PeerHandle Peer)> Deaths { get; } = [];

    /// <summary>Drops what it returns true for (from, to, message), on top of the first-of-a-kind drop.</summary>
    public Func<int, int, Message, bool>? Drop { get; set; }

    public PastryNode Node(int index) => _nodes[index];

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

    public void OnPeerDead(PastryNode node, PeerHandle peer) => Deaths.Add((node == _nodes[0] ? 0 : 1, peer));

    public void OnJoinStalled(PastryNode node, PeerHandle bootstrap, int attempts) => Stalls.Add(attempts);

    public void OnDeliver(PastryNode node, PeerHandle from, in Message message)
    {
    }

    private void At(long delay, Action action) => _events.Enqueue(action, (Now + delay, _seq++));

    private void Send(int from, PeerHandle to, Message message)
    {
        if ((_bootstrapDead && to.Index == 0) || (_dropFirst == message.Kind && Dropped == 0) || Drop?.Invoke(from, to.Index, message) == true)
        {
            Dropped++;
            return;
        }

        At(LinkDelay, () => _nodes[to.Index].Receive(new PeerHandle(from), message));
    }

    private sealed class Context(TwoNodeWorld world, int index) : INodeContext
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
