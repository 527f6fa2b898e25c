using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Overlay;

/// <summary>
/// Two nodes on one link with a fixed delay: node 0 founds the overlay, node 1 joins through it. The first message
/// of one kind is dropped; a dead bootstrap drops everything sent to it.
/// </summary>
internal sealed class TwoNodeWorld : SmallWorld
{
    private readonly MessageKind? _dropFirst;
    private readonly bool _bootstrapDead;

    public TwoNodeWorld(PastryOptions options, MessageKind? dropFirst, bool bootstrapDead = false)
    {
        _dropFirst = dropFirst;
        _bootstrapDead = bootstrapDead;
        Populate([new NodeId(UInt128.MaxValue / 3), new NodeId(UInt128.MaxValue / 3 * 2)], options);
        Node(0).Start(PeerHandle.None);
        Node(1).Start(new PeerHandle(0));
    }

    public PastryNode Joiner => Node(1);

    public long JoinedAt { get; private set; } = -1;

    public int Dropped { get; private set; }

    public List<int> Stalls { get; } = [];

    public List<(int Node, PeerHandle Peer)> Deaths { get; } = [];

    /// <summary>Drops what it returns true for (from, to, message), on top of the first-of-a-kind drop.</summary>
    public Func<int, int, Message, bool>? Drop { get; set; }

    public override void OnJoined(PastryNode node)
    {
        if (node == Joiner)
            JoinedAt = Now;
    }

    public override void OnPeerDead(PastryNode node, PeerHandle peer) => Deaths.Add((IndexOf(node), peer));

    public override void OnJoinStalled(PastryNode node, PeerHandle bootstrap, int attempts) => Stalls.Add(attempts);

    protected override bool Drops(int from, int to, in Message message)
    {
        if ((_bootstrapDead && to == 0) || (_dropFirst == message.Kind && Dropped == 0) || Drop?.Invoke(from, to, message) == true)
        {
            Dropped++;
            return true;
        }

        return false;
    }
}
