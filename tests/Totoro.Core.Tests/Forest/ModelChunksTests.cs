using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Forest;

public class ModelChunksTests
{
    [Theory]
    [InlineData(0)] // float32
    [InlineData(1)] // binary16 (a compression hook's declared size)
    [InlineData(2)] // bytes
    public void Every_shape_cuts_into_chunks_that_read_back_and_rebuild_the_payload(int shape)
    {
        const int Floats = (ModelChunks.ChunkBytes / 2) + 77; // chunk boundaries fall inside the vector, the last one short
        float[] v = [.. Enumerable.Range(0, Floats).Select(i => MathF.Cos(i))];
        Payload whole = shape switch
        {
            0 => Payload.FromVector(v, 3),
            1 => Payload.FromVector(v, 3).WithBytes(Floats * 2),
            _ => Payload.FromData([.. Enumerable.Range(0, Floats * 4).Select(i => (byte)i)], 3),
        };
        whole = whole.WithAttachment([1, 2, 3]);
        Assert.True(ModelChunks.IsChunked(whole));
        int count = ModelChunks.CountOf(whole.ContentBytes);
        var floats = new List<float>();
        var bytes = new List<byte>();
        for (int k = 0; k < count; k++)
        {
            Payload chunk = ModelChunks.Slice(whole, k);
            Assert.True(ModelChunks.TryRead(chunk, out ChunkHeader header, out string? error), error);
            Assert.Equal((k, count, whole.ContentBytes), (header.Index, header.Count, header.TotalBytes));
            Assert.Equal(k == 0 ? [1, 2, 3] : null, header.Attachment);
            Assert.Equal(3, chunk.Weight);
            floats.AddRange(chunk.Vector ?? []);
            bytes.AddRange(chunk.Data ?? []);
        }

        if (shape == 2)
            Assert.Equal(whole.Data, bytes);
        else
            Assert.Equal(v, floats);
    }

    [Fact]
    public void A_chunk_whose_header_does_not_add_up_is_refused_with_a_reason()
    {
        Payload whole = Payload.SizeOnly((3 * ModelChunks.ChunkBytes) + 5);
        Payload good = ModelChunks.Slice(whole, 1);
        Assert.True(ModelChunks.TryRead(good, out _, out _));
        byte[] header = good.Attachment!;
        foreach ((int at, byte value) in new[] { (3, (byte)9), (7, (byte)2), (8, (byte)1), (12, (byte)7), (13, (byte)1) })
        {
            byte[] bad = [.. header];
            bad[at] = value; // index past the count, a wrong count, a total that disagrees, an unknown shape, an attachment on chunk 1
            Assert.False(ModelChunks.TryRead(Payload.SizeOnly(ModelChunks.ChunkBytes).WithAttachment(bad), out _, out string? error));
            Assert.False(string.IsNullOrEmpty(error));
        }

        Assert.False(ModelChunks.TryRead(Payload.SizeOnly(100).WithAttachment(header), out _, out string? size)); // content of the wrong size
        Assert.Contains("carries 100 bytes", size, StringComparison.Ordinal);
        Assert.False(ModelChunks.TryRead(Payload.SizeOnly(ModelChunks.ChunkBytes), out _, out _)); // no header at all
    }
}
