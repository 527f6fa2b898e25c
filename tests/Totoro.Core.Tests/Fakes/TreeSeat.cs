using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Fakes;

/// <summary>Seats a node in an app's tree by hand: what the tests of a worker's handling of a round start from.</summary>
internal static class TreeSeat
{
    /// <summary>
    /// The node hears of <paramref name="known"/> (its leaf set and routing table), adopts two children that join
    /// through it, subscribes, and is taken by <paramref name="parent"/>; the outbox is drained. Returns the children.
    /// </summary>
    public static PeerHandle[] AsWorker(ForestNode node, FakeNodeContext context, FakeNetwork network, NodeId app, IEnumerable<PeerHandle> known, PeerHandle parent)
    {
        foreach (PeerHandle peer in known)
            node.Receive(peer, new Message { Kind = MessageKind.Announce });
        PeerHandle[] children = [network.AddRandom(), network.AddRandom()];
        foreach (PeerHandle child in children)
            node.Receive(child, new Message { Kind = TreeKind.Join, Key = app, Origin = child, Row = 8, Stamp = 1, Payload = Payload.FromData(AppDescriptor.Default(app, "seated", 8).Encode()) });
        node.Subscribe(app);
        node.Receive(parent, TreeMessages.JoinAck(app, round: 0, fanout: 8, parents: null));
        context.Drain();
        Assert.True(node.TryGetTree(app, out TreeInfo tree) && tree.Parent == parent && tree.Children.Length == 2);
        return children;
    }
}
