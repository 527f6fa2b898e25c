using System.Buffers.Binary;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// How a model larger than one chunk travels a tree: as <see cref="ChunkBytes"/>-byte pieces that a forwarder sends
/// on as each arrives (cut-through) and an aggregator sums as each arrives (docs/big-models.md). A chunk is an
/// ordinary payload whose attachment starts with a header: index i32 | count i32 | the whole content's bytes i32 |
/// shape u8 | 1 if the whole payload had an attachment u8 | (chunk 0 only) that attachment. A payload of one chunk
/// or less never comes here: it travels whole, as it always did.
/// </summary>
public static class ModelChunks
{
    /// <summary>
    /// 256 KiB: every model of the committed figures (80, 160 and 200 KB MLPs) stays on the whole-message path; a
    /// forwarder's extra delay is one chunk a level (fanout × 256 KiB over a 100 Mbit/s uplink ≈ 0.34 s at fanout
    /// 16, about 1% of an 85 MB model's fanout × size over that uplink); an 85 MB model is 340 chunks, which keeps the
    /// simulator's events per link small; and a chunk is a few hundred datagrams for the reliable UDP layer to
    /// fragment, retransmit and reassemble, a bounded buffer per peer.
    /// </summary>
    public const int ChunkBytes = 256 << 10;

    /// <summary>The header's fixed part.</summary>
    public const int HeaderBytes = 4 + 4 + 4 + 1 + 1;

    /// <summary>Whether a payload is split into chunks: content above one chunk, in a shape a chunk can carry.</summary>
    public static bool IsChunked(Payload payload) => payload.ContentBytes > ChunkBytes && TryShape(payload, out _);

    /// <summary>Chunks a content of <paramref name="totalBytes"/> takes.</summary>
    public static int CountOf(int totalBytes) => (int)(((long)totalBytes + ChunkBytes - 1) / ChunkBytes);

    /// <summary>Content bytes of chunk <paramref name="index"/>.</summary>
    public static int BytesOf(int index, int totalBytes) => Math.Min(ChunkBytes, totalBytes - (index * ChunkBytes));

    /// <summary>Bytes a vector element takes on the wire in this shape (1 for data and size-only content).</summary>
    public static int ElementBytes(ChunkShape shape) => shape switch
    {
        ChunkShape.Float32 => 4,
        ChunkShape.Float16 => 2,
        _ => 1,
    };

    public static bool TryShape(Payload payload, out ChunkShape shape)
    {
        int content = payload.ContentBytes;
        if (payload.IsSizeOnly)
            shape = ChunkShape.SizeOnly;
        else if (payload.Vector is { } v && (long)v.Length * 4 == content)
            shape = ChunkShape.Float32;
        else if (payload.Vector is { } h && (long)h.Length * 2 == content)
            shape = ChunkShape.Float16;
        else if (payload.Data is { } d && d.Length == content)
            shape = ChunkShape.Data;
        else
        {
            shape = default;
            return false;
        }

        return true;
    }

    /// <summary>Chunk <paramref name="index"/> of a payload (<see cref="IsChunked"/> must hold): a copy of its slice only.</summary>
    public static Payload Slice(Payload whole, int index)
    {
        if (!TryShape(whole, out ChunkShape shape))
            throw new ArgumentException("This payload cannot be chunked.", nameof(whole));
        int total = whole.ContentBytes;
        int count = CountOf(total);
        byte[] header = Header(index, count, total, shape, index == 0 ? whole.Attachment : null, index == 0 && whole.Attachment is not null);
        int offset = index * ChunkBytes, bytes = BytesOf(index, total), e = ElementBytes(shape);
        Payload content = shape switch
        {
            ChunkShape.SizeOnly => Payload.SizeOnly(bytes, whole.Weight),
            ChunkShape.Data => Payload.FromData(whole.Data!.AsSpan(offset, bytes).ToArray(), whole.Weight),
            _ => VectorChunk(whole.Vector.AsSpan(offset / e, bytes / e), shape, whole.Weight),
        };
        return content.WithAttachment(header);
    }

    /// <summary>A chunk made of a slice of floats (a partial sum going up).</summary>
    internal static Payload VectorChunk(ReadOnlySpan<float> slice, ChunkShape shape, double weight)
    {
        Payload p = Payload.FromVector(slice.ToArray(), weight);
        return shape == ChunkShape.Float16 ? p.WithBytes(slice.Length * 2) : p;
    }

    internal static byte[] Header(int index, int count, int total, ChunkShape shape, byte[]? attachment, bool hasAttachment)
    {
        var header = new byte[HeaderBytes + (attachment?.Length ?? 0)];
        BinaryPrimitives.WriteInt32BigEndian(header, index);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), total);
        header[12] = (byte)shape;
        header[13] = hasAttachment ? (byte)1 : (byte)0;
        attachment?.CopyTo(header, HeaderBytes);
        return header;
    }

    /// <summary>Reads and checks a chunk's header against its content; false with a one-line reason for anything else.</summary>
    public static bool TryRead(Payload chunk, out ChunkHeader header, out string? error)
    {
        header = default;
        if (chunk.Attachment is not { Length: >= HeaderBytes } a)
            return Fail("a chunk without its header", out error);
        int index = BinaryPrimitives.ReadInt32BigEndian(a);
        int count = BinaryPrimitives.ReadInt32BigEndian(a.AsSpan(4));
        int total = BinaryPrimitives.ReadInt32BigEndian(a.AsSpan(8));
        var shape = (ChunkShape)a[12];
        bool hasAttachment = a[13] == 1;
        if (total <= ChunkBytes || total > Payload.MaxBytes || count != CountOf(total) || index < 0 || index >= count)
            return Fail($"a chunk header that does not add up (chunk {index} of {count}, {total} bytes)", out error);
        if (shape > ChunkShape.Data || a[13] > 1 || (index > 0 && (hasAttachment || a.Length != HeaderBytes)) || (!hasAttachment && a.Length != HeaderBytes))
            return Fail($"a malformed chunk header (shape {a[12]}, attachment flag {a[13]}, {a.Length} bytes)", out error);
        int bytes = BytesOf(index, total);
        bool fits = shape switch
        {
            ChunkShape.SizeOnly => chunk.IsSizeOnly,
            ChunkShape.Data => chunk.Data is { } d && d.Length == bytes,
            _ => chunk.Vector is { } v && (long)v.Length * ElementBytes(shape) == bytes && total % ElementBytes(shape) == 0,
        };
        if (!fits || chunk.ContentBytes != bytes)
            return Fail($"chunk {index} of {count} carries {chunk.ContentBytes} bytes in the wrong shape (expected {bytes} as {shape})", out error);
        header = new ChunkHeader(index, count, total, shape, hasAttachment ? a[HeaderBytes..] : null);
        error = null;
        return true;
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}

/// <summary>What a chunk's content is a piece of.</summary>
public enum ChunkShape : byte
{
    SizeOnly = 0,
    Float32 = 1,
    Float16 = 2,
    Data = 3,
}

/// <summary>A chunk's header: which piece of which whole, and (chunk 0) the whole payload's attachment.</summary>
public readonly record struct ChunkHeader(int Index, int Count, int TotalBytes, ChunkShape Shape, byte[]? Attachment)
{
    /// <summary>Same whole as another chunk's header.</summary>
    public bool SameWhole(in ChunkHeader other) => Count == other.Count && TotalBytes == other.TotalBytes && Shape == other.Shape;
}
