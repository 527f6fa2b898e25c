using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Fakes;

/// <summary>Seats a node in an app's tree by hand: what the tests of a worker's handling of a round start from.</summary>
internal static class TreeSeat
{
    /// <summary>A node of the fake network, joined alone, that has heard from <paramref name="knows"/> (announces); the outbox is drained.</summary>
    public static (ForestNode Node, FakeNodeContext Context) Alone(FakeNetwork network, PeerHandle self, IEnumerable<PeerHandle>? knows = null)
    {
        FakeNodeContext context = network.ContextFor(self);
        var node = new ForestNode(context, network.IdOf(self), new PastryOptions(), hooks: null, app: null);
        node.Join(PeerHandle.None);
        foreach (PeerHandle peer in knows ?? [])
            node.Receive(peer, new Message { Kind = MessageKind.Announce });
        context.Drain();
        return (node, context);
    }

    /// <summary>
    /// A subscriber of <paramref name="app"/> just below its id, with a parent and two children, its clock at
    /// <paramref name="clockAt"/>; the root's place (a node just above the app's id) is elsewhere.
    /// </summary>
    public static (ForestNode Node, FakeNodeContext Context, PeerHandle Self, PeerHandle Parent, PeerHandle[] Children) Worker(FakeNetwork network, NodeId app, long clockAt = 0)
    {
        PeerHandle self = network.Add(new NodeId(app.Value - 1000));
        (ForestNode node, FakeNodeContext context) = Alone(network, self);
        context.AdvanceTo(clockAt, node);
        PeerHandle closer = network.Add(new NodeId(app.Value + 1));
        PeerHandle[] others = [.. Enumerable.Range(0, 6).Select(_ => network.AddRandom())];
        PeerHandle[] children = AsWorker(node, context, network, app, others.Append(closer), parent: others[0]);
        return (node, context, self, others[0], children);
    }

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

    /// <summary>
    /// A subscriber of <paramref name="app"/> that joined through <paramref name="parent"/> and was adopted by it (its
    /// ack names the grandparent); both outboxes are drained.
    /// </summary>
    public static (ForestNode Node, FakeNodeContext Context, PeerHandle Self) ChildOf(FakeNetwork network, NodeId app, ForestNode parent, FakeNodeContext parentContext, PeerHandle parentHandle)
    {
        PeerHandle self = network.Add(new NodeId(app.Value - 5000));
        PeerHandle closer = network.Add(new NodeId(app.Value + 2));
        (ForestNode node, FakeNodeContext context) = Alone(network, self, [parentHandle, closer]);
        node.CreateTree(AppDescriptor.Default(app, "seated", 8));
        node.Subscribe(app);
        context.Drain();

        parent.Receive(self, JoinFrom(app, self));
        Message ack = parentContext.Drain().Single(s => s.To == self && s.Message.Kind == TreeKind.JoinAck).Message;
        node.Receive(parentHandle, ack);
        context.Drain();
        Assert.True(node.TryGetTree(app, out TreeInfo tree) && tree.Parent == parentHandle && !tree.Grandparent.IsNone);
        return (node, context, self);
    }

    /// <summary>The JOIN <paramref name="joiner"/> sends for <paramref name="app"/> (its descriptor along).</summary>
    public static Message JoinFrom(NodeId app, PeerHandle joiner)
        => new() { Kind = TreeKind.Join, Key = app, Origin = joiner, Row = 8, Stamp = 1, Payload = Payload.FromData(AppDescriptor.Default(app, "seated", 8).Encode()) };
}
