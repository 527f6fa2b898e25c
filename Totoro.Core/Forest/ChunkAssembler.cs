using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Puts a chunked payload back together, chunks in any order, each counted once. With <c>keepContent</c> false it
/// only counts them (a forwarder that passes a model on without using it holds no copy of it).
/// </summary>
internal sealed class ChunkAssembler
{
    private readonly ChunkHeader _whole;
    private readonly bool[] _have;
    private readonly float[]? _vector;
    private readonly byte[]? _data;
    private int _received;
    private double _weight;
    private byte[]? _attachment;

    public ChunkAssembler(in ChunkHeader first, bool keepContent)
    {
        _whole = first;
        _have = new bool[first.Count];
        if (keepContent && first.Shape is ChunkShape.Float32 or ChunkShape.Float16)
            _vector = new float[first.TotalBytes / ModelChunks.ElementBytes(first.Shape)];
        else if (keepContent && first.Shape == ChunkShape.Data)
            _data = new byte[first.TotalBytes];
    }

    public int Count => _whole.Count;

    public bool IsComplete => _received == _have.Length;

    /// <summary>Whether a chunk belongs to the whole this assembler puts together.</summary>
    public bool Matches(in ChunkHeader header) => header.SameWhole(_whole);

    /// <summary>Takes a chunk in; false when it belongs to another whole or came before (a repeat).</summary>
    public bool Add(in ChunkHeader header, Payload chunk)
    {
        if (!header.SameWhole(_whole) || _have[header.Index])
            return false;
        _have[header.Index] = true;
        _received++;
        if (header.Index == 0)
        {
            _weight = chunk.Weight;
            _attachment = header.Attachment;
        }

        int offset = header.Index * ModelChunks.ChunkBytes;
        if (_vector is not null)
            chunk.Vector.AsSpan().CopyTo(_vector.AsSpan(offset / ModelChunks.ElementBytes(_whole.Shape)));
        else if (_data is not null)
            chunk.Data.AsSpan().CopyTo(_data.AsSpan(offset));
        return true;
    }

    /// <summary>The whole payload (only once complete).</summary>
    public Payload Build()
    {
        Payload content = _vector is not null
            ? (_whole.Shape == ChunkShape.Float16 ? Payload.FromVector(_vector, _weight).WithBytes(_whole.TotalBytes) : Payload.FromVector(_vector, _weight))
            : _data is not null ? Payload.FromData(_data, _weight) : Payload.SizeOnly(_whole.TotalBytes, _weight);
        return _attachment is null ? content : content.WithAttachment(_attachment);
    }
}
