using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Learning;

/// <summary>
/// Until a worker hears of a new app it lives only at its root. The soak of CI stop 34 submitted soak-15 3 s after a
/// host was cut off; its root left gracefully 1.2 s later and came back 7.6 s after that, and no node ever knew the
/// app again (every status unknown, for 60 s): the announcement had died on its way. So the root hands the app to the
/// nodes next closest to it, and the one that becomes the app's closest node announces it.
/// </summary>
public class SuccessorTests
{
    private const ulong Seed = 5;
    private static readonly AppSpec Spec = new() { Dataset = "synthetic", Partition = PartitionSpec.Natural, Workers = 4, ClientsPerRound = 4, Rounds = 2, LearningRate = 0.1f };

    private readonly FakeNetwork _network = new(seed: 23);
    private readonly NodeId _appId = NodeId.FromRandom(0x5a10_0000_0000_0000, 3);
    private readonly WorkloadCache _workloads = new();
    private readonly Announced _observer = new();

    [Fact]
    public void A_root_hands_a_submitted_app_to_the_two_nodes_next_closest_to_it_and_to_no_other()
    {
        (ForestNode root, FakeNodeContext context, _) = Node(offset: 1);
        PeerHandle second = _network.Add(new NodeId(_appId.Value + 2));
        PeerHandle third = _network.Add(new NodeId(_appId.Value - 3));
        PeerHandle fourth = _network.Add(new NodeId(_appId.Value + 40));
        PeerHandle far = _network.Add(new NodeId(_appId.Value + 5000));
        Introduce(root, context, far, fourth, third, second);

        LearningNode.Ask(root, LearningOp.Submit, _appId, stamp: 1, Descriptor().Encode());
        List<FakeNodeContext.Sent> sent = context.Drain();

        List<FakeNodeContext.Sent> handed = Handed(sent);
        Assert.Equal(2, handed.Count);
        Assert.Equal(new HashSet<PeerHandle> { second, third }, handed.Select(s => s.To).ToHashSet());
        Assert.True(root.IsRootOf(_appId) || root.Descriptor(_appId) is not null, "the root took the submit");
    }

    [Fact]
    public void A_successor_announces_the_app_once_its_root_is_gone_and_not_while_it_lives()
    {
        (ForestNode root, FakeNodeContext rootContext, ForestNode successor, FakeNodeContext context, LearningNode learner) = RootAndSuccessor();
        PeerHandle rootPeer = rootContext.Self;
        LearningNode.Ask(root, LearningOp.Submit, _appId, stamp: 1, Descriptor().Encode());
        FakeNodeContext.Sent handed = Assert.Single(Handed(rootContext.Drain()));

        successor.Receive(rootPeer, handed.Message);
        learner.Nudge(successor); // the host's second: the root lives, so nothing is announced
        Assert.Equal(0, learner.SuccessorAnnouncements);
        Assert.Null(successor.Descriptor(_appId)); // kept in the watch, not as a tree of its own
        Assert.DoesNotContain(context.Drain(), s => s.Message.Kind == TreeKind.Advertise);

        successor.Receive(rootPeer, new Message { Kind = MessageKind.Leave }); // the root leaves gracefully
        context.Drain();
        learner.Nudge(successor);
        Assert.Equal(1, learner.SuccessorAnnouncements);
        Assert.NotNull(successor.Descriptor(_appId)); // it now knows the app, as the root it is about to be
        learner.Nudge(successor); // once: further announcements are the ones a root makes while workers are missing
        Assert.Equal(1, learner.SuccessorAnnouncements);
        Assert.Equal(["successors"], _observer.Names); // the host logs it
    }

    [Fact]
    public void A_stop_before_the_first_round_reaches_the_successors_and_they_never_announce_the_app()
    {
        (ForestNode root, FakeNodeContext rootContext, ForestNode successor, FakeNodeContext context, LearningNode learner) = RootAndSuccessor();
        LearningNode.Ask(root, LearningOp.Submit, _appId, stamp: 1, Descriptor().Encode());
        successor.Receive(rootContext.Self, Assert.Single(Handed(rootContext.Drain())).Message);

        LearningNode.Ask(root, LearningOp.Stop, _appId, stamp: 2); // its creator stops it before it trained
        FakeNodeContext.Sent stop = Assert.Single(rootContext.Drain(), s => s.To == context.Self && Is(s, LearningOp.Stop));
        successor.Receive(rootContext.Self, stop.Message);
        successor.Receive(rootContext.Self, new Message { Kind = MessageKind.Leave });
        learner.Nudge(successor);

        Assert.Equal(0, learner.SuccessorAnnouncements);
    }

    [Fact]
    public void A_successor_watches_at_most_its_cap_of_apps_and_counts_the_hand_offs_beyond()
    {
        (ForestNode root, FakeNodeContext rootContext, ForestNode successor, FakeNodeContext context, LearningNode learner) = RootAndSuccessor();
        for (int i = 0; i <= LearningNode.MaxWatched; i++)
        {
            var app = new NodeId(_appId.Value - 10_000 - (UInt128)i); // the root (at +1) is closest to it, the successor (+2) next
            LearningNode.Ask(root, LearningOp.Submit, app, stamp: i, Descriptor(app).Encode());
            successor.Receive(rootContext.Self, Assert.Single(Handed(rootContext.Drain())).Message);
        }

        Assert.Equal(1, learner.SuccessorHandsDropped);
        successor.Receive(rootContext.Self, new Message { Kind = MessageKind.Leave });
        learner.Nudge(successor);
        Assert.Equal(LearningNode.MaxWatched, learner.SuccessorAnnouncements); // the kept ones: every app but the last
    }

    [Fact]
    public void A_handed_app_whose_claim_does_not_verify_is_refused_and_never_announced()
    {
        (ForestNode root, FakeNodeContext rootContext, ForestNode successor, FakeNodeContext context, LearningNode learner) = RootAndSuccessor(new RefuseAll());
        LearningNode.Ask(root, LearningOp.Submit, _appId, stamp: 1, Descriptor().Encode());
        FakeNodeContext.Sent handed = Assert.Single(Handed(rootContext.Drain()));

        successor.Receive(rootContext.Self, handed.Message);
        successor.Receive(rootContext.Self, new Message { Kind = MessageKind.Leave });
        learner.Nudge(successor);

        Assert.Null(successor.Descriptor(_appId));
        Assert.Equal(1, learner.OwnershipRefusals);
        Assert.Equal(0, learner.SuccessorAnnouncements);
    }

    private static List<FakeNodeContext.Sent> Handed(IEnumerable<FakeNodeContext.Sent> sent) => [.. sent.Where(s => Is(s, LearningOp.Successor))];

    /// <summary>A learning message of <paramref name="op"/> sent straight to a peer (not routed).</summary>
    private static bool Is(FakeNodeContext.Sent sent, LearningOp op)
    {
        Message message = sent.Message;
        var view = new AppMessageView(in message);
        return !view.IsRouted && LearningMessage.TryRead(view, out LearningMessage m) && m.Op == op;
    }

    private AppDescriptor Descriptor(NodeId? app = null)
    {
        FederatedWorkload workload = FederatedWorkload.Load(Spec, Seed);
        var info = new LearningAppInfo(Spec, Seed, workload.Model.ParameterCount, Timing: false) { MinWorkers = 1 };
        return AppDescriptor.Default(app ?? _appId, "successors", 8) with { Application = info.Encode() };
    }

    /// <summary>The app's root (its closest node) and its successor (the next closest), each knowing the other.</summary>
    private (ForestNode Root, FakeNodeContext RootContext, ForestNode Successor, FakeNodeContext Context, LearningNode Learner) RootAndSuccessor(ISignatureCheck? successorSignatures = null)
    {
        (ForestNode root, FakeNodeContext rootContext, _) = Node(offset: 1);
        (ForestNode successor, FakeNodeContext context, LearningNode learner) = Node(offset: 2, successorSignatures);
        Introduce(root, rootContext, context.Self);
        Introduce(successor, context, rootContext.Self);
        return (root, rootContext, successor, context, learner);
    }

    private static void Introduce(ForestNode node, FakeNodeContext context, params PeerHandle[] peers)
    {
        foreach (PeerHandle peer in peers)
            node.Receive(peer, new Message { Kind = MessageKind.Announce });
        context.Drain();
    }

    private (ForestNode Node, FakeNodeContext Context, LearningNode Learner) Node(long offset, ISignatureCheck? signatures = null)
    {
        PeerHandle self = _network.Add(new NodeId((UInt128)((Int128)_appId.Value + offset)));
        FakeNodeContext context = _network.ContextFor(self);
        var learner = new LearningNode(() => context.Now, _workloads, observer: _observer) { Signatures = signatures };
        var node = new ForestNode(context, _network.IdOf(self), new PastryOptions(), hooks: LearningTreeHooks.Default, learner);
        node.Join(PeerHandle.None);
        context.Drain();
        return (node, context, learner);
    }

    /// <summary>What a host's log hears of successors' announcements.</summary>
    private sealed class Announced : ILearningObserver
    {
        public List<string> Names { get; } = [];

        public void OnSuccessorAnnounced(NodeId app, string name, long now) => Names.Add(name);
    }

    /// <summary>A host whose check refuses every creator's claim.</summary>
    private sealed class RefuseAll : ISignatureCheck
    {
        public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => false;
    }
}
