using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Overlay;

/// <summary>
/// A handful of Pastry nodes on equal links of <see cref="LinkDelay"/>, one event queue in time order (ties in the order
/// they were queued): what the overlay's unit tests drive by hand. A subclass makes the nodes and says what it drops.
/// </summary>
internal abstract class SmallWorld : IOverlayListener
{
    public const long LinkDelay = 5_000;

    private readonly PriorityQueue<Action, (long At, long Seq)> _events = new();
    private NodeId[] _ids = [];
    private PastryNode[] _nodes = [];
    private long _seq;

    public long Now { get; private set; }

    public PastryNode Node(int index) => _nodes[index];

    /// <summary>Runs every event due by <paramref name="until"/>, and sets the clock there.</summary>
    public void Run(long until)
    {
        while (_events.TryPeek(out _, out var at) && at.At <= until)
            Step();
        Now = until;
    }

    public abstract void OnJoined(PastryNode node);

    public virtual void OnPeerDead(PastryNode node, PeerHandle peer)
    {
    }

    public virtual void OnDeliver(PastryNode node, PeerHandle from, in Message message)
    {
    }

    public virtual void OnJoinStalled(PastryNode node, PeerHandle bootstrap, int attempts)
    {
    }

    /// <summary>Makes the nodes, one per id, each with its own context on this world.</summary>
    protected void Populate(NodeId[] ids, PastryOptions options)
    {
        _ids = ids;
        _nodes = [.. ids.Select((id, i) => new PastryNode(new Context(this, i), id, options, this))];
    }

    protected int IndexOf(PastryNode node) => Array.IndexOf(_nodes, node);

    /// <summary>Runs the next event; false when none is left.</summary>
    protected bool Step()
    {
        if (!_events.TryDequeue(out Action? action, out var at))
            return false;
        Now = at.At;
        action();
        return true;
    }

    /// <summary>Whether the world loses this message (<paramref name="from"/> and <paramref name="to"/> are node indices).</summary>
    protected abstract bool Drops(int from, int to, in Message message);

    private void At(long delay, Action action) => _events.Enqueue(action, (Now + delay, _seq++));

    private void Send(int from, PeerHandle to, Message message)
    {
        if (!Drops(from, to.Index, message))
            At(LinkDelay, () => _nodes[to.Index].Receive(new PeerHandle(from), message));
    }

    private sealed class Context(SmallWorld world, int index) : INodeContext
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
