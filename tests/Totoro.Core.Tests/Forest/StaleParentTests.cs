using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Forest;

public class StaleParentTests
{
    private static readonly NodeId App = new(UInt128.MaxValue / 5);
    private static readonly PeerHandle Self = new(0), Parent = new(1), OldParent = new(2);

    [Fact]
    public void A_round_from_a_former_parent_is_answered_with_a_leave_and_only_the_parents_round_is_taken()
    {
        // The child took its old parent for dead and joined elsewhere without a word; the old parent, alive, still
        // counts it and sends it the next round. Unanswered, the old parent would wait for its aggregate forever.
        var context = new Context();
        var app = new Rounds();
        var node = new ForestNode(context, context.IdOf(Self), new PastryOptions(), hooks: null, app);
        node.Join(PeerHandle.None);
        node.CreateTree(AppDescriptor.Default(App, "app", 16));
        node.Receive(Parent, new Message { Kind = TreeKind.JoinAck, Key = App, Row = 16 });
        node.Subscribe(App);
        context.Sent.Clear();

        var round = new Message { Kind = TreeKind.Broadcast, Key = App, Round = 1, Hops = 1, Payload = Payload.FromVector([1f]) };
        node.Receive(OldParent, round);
        Assert.Contains(context.Sent, s => s.To == OldParent && s.Message.Kind == TreeKind.Leave && s.Message.Key == App);
        Assert.Empty(app.Started);

        node.Receive(Parent, round);
        Assert.Equal([1], app.Started);
        Assert.DoesNotContain(context.Sent, s => s.To == Parent && s.Message.Kind == TreeKind.Leave);
    }

    private sealed class Rounds : IForestApp
    {
        public List<int> Started { get; } = [];

        public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload) => Started.Add(round);

        public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
        {
        }
    }

    private sealed class Context : INodeContext
    {
        public List<(PeerHandle To, Message Message)> Sent { get; } = [];

        public long Now => 1_000_000;

        public PeerHandle Self => StaleParentTests.Self;

        public NodeId IdOf(PeerHandle peer) => new(UInt128.MaxValue / 11 * (UInt128)(peer.Index + 1));

        public long ProximityTo(PeerHandle peer) => 10_000;

        public void Send(PeerHandle peer, in Message message) => Sent.Add((peer, message));

        public void SetTimer(long delayMicros, int timer, long argument = 0)
        {
        }

        public ulong NextRandom() => 7;
    }
}
