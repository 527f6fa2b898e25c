using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// A replica's chunks are the sender's word until the whole is in: a stranger's are refused, a header naming a
/// gigabyte costs only the chunk that came, and a neighbour that starts wholes it never finishes keeps only a few.
/// </summary>
public class ReplicaChunkGuardTests
{
    private const int Total = 1 << 30; // the largest payload a header may name

    private readonly FakeNetwork _network = new(seed: 41);

    [Fact]
    public void A_replica_chunk_from_a_node_outside_the_leaf_set_is_refused_and_counted()
    {
        (ForestNode node, _) = Holder();
        PeerHandle stranger = _network.AddRandom();
        Assert.False(node.Overlay.KnowsOf(stranger));

        node.Receive(stranger, ReplicaChunk(App(1), index: 0, Total));

        Assert.Equal(1, node.RefusedChunks);
        Assert.Contains("not a leaf-set neighbour", node.LastRefusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forged_header_naming_a_gigabyte_costs_the_chunk_that_came_not_the_whole()
    {
        (ForestNode node, PeerHandle[] neighbours) = Holder();
        Message chunk = ReplicaChunk(App(1), index: 0, Total);

        long before = GC.GetAllocatedBytesForCurrentThread();
        node.Receive(neighbours[0], chunk);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, node.RefusedChunks); // a neighbour's chunk is taken in...
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated for one chunk of a {Total}-byte whole"); // ...and costs no whole
    }

    [Fact]
    public void A_neighbour_that_starts_many_wholes_keeps_only_the_newest_few_half_sent()
    {
        (ForestNode node, PeerHandle[] neighbours) = Holder();
        const int Wholes = 10;
        int total = ModelChunks.ChunkBytes + 100; // two chunks
        for (int app = 0; app < Wholes; app++)
            node.Receive(neighbours[0], ReplicaChunk(App(app), index: 0, total));
        Assert.Equal(Wholes - ForestNode.ReplicaDownloadsPerSender, node.RefusedChunks); // the oldest went, each counted

        for (int app = Wholes - 1; app >= 0; app--) // newest first: the ones still held complete before older ones restart
            node.Receive(neighbours[0], ReplicaChunk(App(app), index: 1, total));

        // Only the wholes still held complete (and are then refused as replicas: their content is no sealed state).
        Assert.Equal(ForestNode.ReplicaDownloadsPerSender, node.ChunkedReplicasAssembled);
    }

    private static NodeId App(int k) => NodeId.FromRandom(0x0a99_0000_0000_0000, (ulong)k);

    private static Message ReplicaChunk(NodeId app, int index, int total)
    {
        int bytes = ModelChunks.BytesOf(index, total);
        Payload chunk = Payload.FromData(new byte[bytes])
            .WithAttachment(ModelChunks.Header(index, ModelChunks.CountOf(total), total, ChunkShape.Data, attachment: null, hasAttachment: false));
        return TreeMessages.Replica(app, round: 1, chunk, members: null) with { Flags = TreeFlags.Chunk };
    }

    /// <summary>A node alone in its overlay that has heard of four neighbours (its leaf set).</summary>
    private (ForestNode Node, PeerHandle[] Neighbours) Holder()
    {
        PeerHandle self = _network.AddRandom();
        var node = new ForestNode(_network.ContextFor(self), _network.IdOf(self), new PastryOptions(), hooks: null, app: null);
        node.Join(PeerHandle.None);
        PeerHandle[] neighbours = [.. Enumerable.Range(0, 4).Select(_ => _network.AddRandom())];
        foreach (PeerHandle peer in neighbours)
            node.Receive(peer, new Message { Kind = MessageKind.Announce });
        Assert.All(neighbours, n => Assert.True(node.Overlay.KnowsOf(n)));
        return (node, neighbours);
    }
}
