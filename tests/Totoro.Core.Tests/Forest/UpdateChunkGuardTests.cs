using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// A streamed round's sum is sized by the first chunk that comes up. A child whose first chunk names a whole larger than
/// the model the round sent down is refused before any sum exists: it neither costs the node that whole nor fixes the
/// round's shape against the honest children.
/// </summary>
public class UpdateChunkGuardTests
{
    private const int ModelFloats = (ModelChunks.ChunkBytes / 4) + 25; // two chunks of float32
    private readonly FakeNetwork _network = new(seed: 43);
    private readonly NodeId _appId = NodeId.FromRandom(0xdead_2222_0000_0000, 9);

    [Fact]
    public void A_childs_first_chunk_naming_a_gigabyte_is_refused_and_the_honest_update_still_sums()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle parent, PeerHandle[] children) = Worker();
        float[] model = [.. Enumerable.Range(0, ModelFloats).Select(i => (float)i)];
        SendModelDown(node, parent, model);
        context.Drain();

        long before = GC.GetAllocatedBytesForCurrentThread();
        node.Receive(children[0], UpChunk(index: 0, total: Payload.MaxBytes, new float[ModelChunks.ChunkBytes / 4]));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1, node.RefusedChunks);
        Assert.Contains($"{Payload.MaxBytes}-byte update to a {ModelFloats * 4}-byte model", node.LastRefusal, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated for one forged chunk");

        // The honest update, same size as the model, is summed chunk by chunk: the forged header fixed nothing.
        float[] update = [.. Enumerable.Range(0, ModelFloats).Select(i => 2f * i)];
        Payload whole = Payload.FromVector(update, weight: 1);
        for (int k = 0; k < ModelChunks.CountOf(ModelFloats * 4); k++)
            node.Receive(children[0], TreeMessages.AggregateChunk(_appId, 1, ModelChunks.Slice(whole, k), contributions: 1));
        Assert.Equal(1, node.RefusedChunks);
    }

    [Fact]
    public void An_update_the_size_of_the_model_is_not_refused()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle parent, PeerHandle[] children) = Worker();
        SendModelDown(node, parent, new float[ModelFloats]);
        context.Drain();

        node.Receive(children[1], UpChunk(index: 0, total: ModelFloats * 4, new float[ModelChunks.ChunkBytes / 4]));

        Assert.Equal(0, node.RefusedChunks);
    }

    private void SendModelDown(ForestNode node, PeerHandle parent, float[] model)
    {
        Payload whole = Payload.FromVector(model);
        for (int k = 0; k < ModelChunks.CountOf(model.Length * 4); k++)
            node.Receive(parent, TreeMessages.BroadcastChunk(_appId, 1, ModelChunks.Slice(whole, k), depth: 1, timeLeft: 0));
    }

    private Message UpChunk(int index, int total, float[] content)
    {
        Payload chunk = ModelChunks.VectorChunk(content, ChunkShape.Float32, weight: 1)
            .WithAttachment(ModelChunks.Header(index, ModelChunks.CountOf(total), total, ChunkShape.Float32, attachment: null, hasAttachment: false));
        return TreeMessages.AggregateChunk(_appId, 1, chunk, contributions: 1);
    }

    private (ForestNode Node, FakeNodeContext Context, PeerHandle Parent, PeerHandle[] Children) Worker()
    {
        (ForestNode node, FakeNodeContext context, _, PeerHandle parent, PeerHandle[] children) = TreeSeat.Worker(_network, _appId);
        return (node, context, parent, children);
    }
}
