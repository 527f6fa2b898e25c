using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Puts a chunked payload back together, chunks in any order, each counted once. With <c>keepContent</c> false it
/// only counts them (a forwarder that passes a model on without using it holds no copy of it). The whole is allocated
/// only once every chunk is in: a header is the sender's word, and a forged one naming a gigabyte must not cost one.
/// </summary>
internal sealed class ChunkAssembler
{
    private readonly ChunkHeader _whole;
    private readonly bool[] _have;
    private readonly Payload?[]? _parts;
    private int _received;
    private double _weight;
    private byte[]? _attachment;

    public ChunkAssembler(in ChunkHeader first, bool keepContent)
    {
        _whole = first;
        _have = new bool[first.Count];
        if (keepContent && first.Shape is ChunkShape.Float32 or ChunkShape.Float16 or ChunkShape.Data)
            _parts = new Payload?[first.Count];
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

        if (_parts is not null)
            _parts[header.Index] = chunk;
        return true;
    }

    /// <summary>The whole payload (only once complete).</summary>
    public Payload Build()
    {
        Payload content = _parts is null ? Payload.SizeOnly(_whole.TotalBytes, _weight)
            : _whole.Shape == ChunkShape.Data ? Payload.FromData(JoinData(), _weight)
            : _whole.Shape == ChunkShape.Float16 ? Payload.FromVector(JoinVector(), _weight).WithBytes(_whole.TotalBytes)
            : Payload.FromVector(JoinVector(), _weight);
        return _attachment is null ? content : content.WithAttachment(_attachment);
    }

    private float[] JoinVector()
    {
        int perChunk = ModelChunks.ChunkBytes / ModelChunks.ElementBytes(_whole.Shape);
        var vector = new float[_whole.TotalBytes / ModelChunks.ElementBytes(_whole.Shape)];
        for (int i = 0; i < _parts!.Length; i++)
            _parts[i]!.Vector.AsSpan().CopyTo(vector.AsSpan(i * perChunk));
        return vector;
    }

    private byte[] JoinData()
    {
        var data = new byte[_whole.TotalBytes];
        for (int i = 0; i < _parts!.Length; i++)
            _parts[i]!.Data.AsSpan().CopyTo(data.AsSpan(i * ModelChunks.ChunkBytes));
        return data;
    }
}
