using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// A worker's check of the root's seal on each round, driven by hand: the seal must verify and name a node no more
/// than the app's replica count of whose known live nodes are closer to the app id.
/// </summary>
public class SealedBroadcastTests
{
    private readonly FakeNetwork _network = new(seed: 33);
    private readonly DigestSeal _seal = new();
    private readonly Recorder _app = new();
    private readonly NodeId _appId = NodeId.FromRandom(0x5eed_0000_0000_0000, 77);

    [Fact]
    public void A_round_sealed_by_the_closest_node_goes_on_with_its_seal_and_reaches_the_app_without_it()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle[] close, PeerHandle parent, PeerHandle[] children) = Worker();
        Payload inner = Payload.FromVector([1f, 2f, 3f]).WithAttachment([9, 9]);
        Payload wire = Sealed(close[0], round: 1, inner);

        node.Receive(parent, TreeMessages.Broadcast(_appId, 1, wire, depth: 1, timeLeft: 0));

        List<FakeNodeContext.Sent> down = context.Drain().FindAll(s => s.Message.Kind == TreeKind.Broadcast);
        Assert.Equal(children.Select(c => c.Index).Order(), down.Select(s => s.To.Index).Order());
        Assert.All(down, s => Assert.Same(wire, s.Message.Payload)); // sealed once at the root, never per hop
        Payload got = Assert.Single(_app.Broadcasts);
        Assert.Equal([1f, 2f, 3f], got.Vector!);
        Assert.Equal([9, 9], got.Attachment!);
        Assert.Equal(0, node.RefusedBroadcasts);
    }

    [Fact]
    public void A_round_sealed_by_a_farther_node_or_forged_or_unsealed_is_refused_counted_and_never_forwarded()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle[] close, PeerHandle parent, _) = Worker();
        Payload inner = Payload.FromVector([1f, 2f, 3f]);
        Payload notClosest = Sealed(close[4], round: 1, inner); // four known live nodes are closer: beyond the 3 replicas
        Payload tampered = Sealed(close[0], round: 1, inner).WithAttachment(null); // a valid seal moved onto another payload
        Payload forged = SealedPayload.Wrap(Payload.FromVector([6f, 6f, 6f]), _seal.Seal(_appId, 1, _network.IdOf(close[0]), inner));
        Payload plain = inner;

        foreach (Payload wire in new[] { notClosest, tampered, forged, plain })
            node.Receive(parent, TreeMessages.Broadcast(_appId, 1, wire, depth: 1, timeLeft: 0));

        Assert.DoesNotContain(context.Drain(), s => s.Message.Kind == TreeKind.Broadcast);
        Assert.Empty(_app.Broadcasts);
        Assert.Equal(4, node.RefusedBroadcasts);
        Assert.Equal(4, _seal.Refusals.Count);
        Assert.Contains("not the app's root", _seal.Refusals[0], StringComparison.Ordinal);
        Assert.True(node.TryGetTree(_appId, out TreeInfo tree));
        Assert.Equal(0, tree.Round); // a refused round leaves no trace: the real one is still taken
    }

    [Fact]
    public void A_take_over_root_is_taken_within_the_replica_count_and_a_farther_one_once_the_nodes_before_it_are_dead()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle[] close, PeerHandle parent, _) = Worker();
        Payload inner = Payload.FromVector([4f]);

        node.Receive(parent, TreeMessages.Broadcast(_appId, 1, Sealed(close[3], 1, inner), depth: 1, timeLeft: 0)); // three dead roots not yet noticed
        node.Receive(parent, TreeMessages.Broadcast(_appId, 2, Sealed(close[4], 2, inner), depth: 1, timeLeft: 0)); // four: refused
        Assert.Single(_app.Broadcasts);
        Assert.Equal(1, node.RefusedBroadcasts);

        node.Receive(close[0], new Message { Kind = MessageKind.Leave }); // the first of them is gone
        context.Drain();
        node.Receive(parent, TreeMessages.Broadcast(_appId, 2, Sealed(close[4], 2, inner), depth: 1, timeLeft: 0));
        Assert.Equal(2, _app.Broadcasts.Count);
        Assert.Equal(1, node.RefusedBroadcasts);
    }

    private Payload Sealed(PeerHandle root, int round, Payload inner)
        => SealedPayload.Wrap(inner, _seal.Seal(_appId, round, _network.IdOf(root), inner));

    /// <summary>
    /// A subscriber 1000 below the app id with two children, whose leaf set holds the six nodes just above the app id
    /// (closest first) and a parent far away in the id space.
    /// </summary>
    private (ForestNode Node, FakeNodeContext Context, PeerHandle[] Close, PeerHandle Parent, PeerHandle[] Children) Worker()
    {
        PeerHandle self = _network.Add(new NodeId(_appId.Value - 1000));
        FakeNodeContext context = _network.ContextFor(self);
        var node = new ForestNode(context, _network.IdOf(self), new PastryOptions(), hooks: null, _app) { BroadcastSeal = _seal };
        node.Join(PeerHandle.None);
        PeerHandle[] close = [.. Enumerable.Range(1, 6).Select(k => _network.Add(new NodeId(_appId.Value + (ulong)k)))];
        PeerHandle[] others = [.. Enumerable.Range(0, 10).Select(_ => _network.AddRandom())];
        PeerHandle[] children = TreeSeat.AsWorker(node, context, _network, _appId, close.Concat(others), parent: others[0]);
        Assert.All(close, c => Assert.True(node.Overlay.KnowsOf(c)));
        return (node, context, close, others[0], children);
    }

    /// <summary>A stand-in for a signature: the root's id and the digest, which a changed payload, app, round or root no longer matches.</summary>
    private sealed class DigestSeal : IBroadcastSeal
    {
        public List<string> Refusals { get; } = [];

        public byte[] Seal(NodeId app, int round, NodeId root, Payload wire)
        {
            var seal = new byte[16 + BroadcastDigest.Bytes];
            root.WriteBytes(seal);
            BroadcastDigest.Compute(app, round, root, wire).CopyTo(seal, 16);
            return seal;
        }

        public bool TryOpen(ReadOnlySpan<byte> seal, NodeId app, int round, Payload wire, out NodeId root, out string? error)
        {
            root = seal.Length == 16 + BroadcastDigest.Bytes ? NodeId.FromBytes(seal) : default;
            bool ok = seal.Length == 16 + BroadcastDigest.Bytes && seal[16..].SequenceEqual(BroadcastDigest.Compute(app, round, root, wire));
            error = ok ? null : "the seal does not match the round";
            return ok;
        }

        public void Refused(NodeId app, int round, string reason) => Refusals.Add(reason);
    }

    private sealed class Recorder : IForestApp
    {
        public List<Payload> Broadcasts { get; } = [];

        public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload) => Broadcasts.Add(payload);

        public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
        {
        }
    }
}
