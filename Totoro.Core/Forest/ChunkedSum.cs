using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// A round's weighted sum built chunk by chunk (streaming aggregation): chunk k of every contributor is added as it
/// arrives, and chunk k is ready to go up once every awaited contributor has brought its chunk k or is done without
/// one (declined, given up). Each chunk keeps its own weight and contribution count, so a contributor that is cut
/// off half-way (a deadline, a dead child) leaves out only the chunks it did not bring, and the root still divides
/// each coordinate by the weight actually summed into it. A lone contribution is kept by reference, not copied.
/// </summary>
internal sealed class ChunkedSum
{
    private readonly ChunkHeader _whole;
    private readonly int _expected;
    private readonly int[] _counts;
    private readonly double[] _weights;
    private readonly long[] _contributions;
    private readonly bool[] _emitted;
    private readonly Dictionary<PeerHandle, bool[]> _brought = [];
    private int _finished;   // contributors done without bringing chunks
    private Payload? _solo;  // the one whole contribution so far, not yet copied into _sum
    private float[]? _sum;

    public ChunkedSum(int round, in ChunkHeader whole, int expected, int finishedAlready)
    {
        Round = round;
        _whole = whole;
        _expected = expected;
        _finished = finishedAlready;
        _counts = new int[whole.Count];
        _weights = new double[whole.Count];
        _contributions = new long[whole.Count];
        _emitted = new bool[whole.Count];
    }

    public int Round { get; }

    public int Count => _whole.Count;

    public int Emitted { get; private set; }

    public bool Matches(in ChunkHeader header) => header.SameWhole(_whole);

    /// <summary>Whether a whole payload is the same model this sum adds up.</summary>
    public bool Matches(Payload whole)
        => whole.ContentBytes == _whole.TotalBytes && ModelChunks.TryShape(whole, out ChunkShape shape) && shape == _whole.Shape;

    /// <summary>Contributions in the chunk that holds the most (what the round reports).</summary>
    public long Contributions => _contributions.Length == 0 ? 0 : _contributions.Max();

    /// <summary>Adds chunk <paramref name="index"/> of <paramref name="from"/>; false for a repeat. A non-finite chunk counts as brought, with nothing in it.</summary>
    public bool AddChunk(PeerHandle from, int index, Payload chunk, long contributions)
    {
        if (!_brought.TryGetValue(from, out bool[]? brought))
            _brought[from] = brought = new bool[Count];
        if (brought[index])
            return false;
        brought[index] = true;
        _counts[index]++;
        if (!chunk.IsFinite || contributions <= 0)
            return true;
        _weights[index] += chunk.Weight;
        _contributions[index] += contributions;
        if (chunk.Vector is { } v)
        {
            Span<float> sum = Materialize().AsSpan((index * ModelChunks.ChunkBytes) / ModelChunks.ElementBytes(_whole.Shape), v.Length);
            for (int i = 0; i < v.Length; i++)
                sum[i] += v[i];
        }

        return true;
    }

    /// <summary>Whether <paramref name="from"/> has brought every chunk.</summary>
    public bool BroughtAll(PeerHandle from)
        => _brought.TryGetValue(from, out bool[]? brought) && Array.TrueForAll(brought, b => b);

    /// <summary>A whole contribution (this node's own): every chunk at once.</summary>
    public void AddWhole(Payload whole, long contributions)
    {
        for (int k = 0; k < Count; k++)
        {
            _counts[k]++;
            _weights[k] += whole.Weight;
            _contributions[k] += contributions;
        }

        if (whole.Vector is not { } v)
            return;
        if (_sum is null && _solo is null && NothingAdded(whole.Weight))
        {
            _solo = whole;
            return;
        }

        float[] sum = Materialize();
        for (int i = 0; i < v.Length; i++)
            sum[i] += v[i];
    }

    /// <summary>A contributor done without chunks (declined, refused, given up): no chunk waits for it.</summary>
    public void FinishEmpty() => _finished++;

    /// <summary>A contributor given up half-way: the chunks it did not bring stop waiting for it.</summary>
    public void GiveUp(PeerHandle from)
    {
        if (!_brought.TryGetValue(from, out bool[]? brought))
        {
            _finished++;
            return;
        }

        for (int k = 0; k < Count; k++)
        {
            if (!brought[k])
            {
                brought[k] = true;
                _counts[k]++;
            }
        }
    }

    public bool IsSent(int index) => _emitted[index];

    public bool IsReady(int index) => !_emitted[index] && _counts[index] + _finished >= _expected;

    /// <summary>Chunk <paramref name="index"/>'s partial sum as it goes up (<paramref name="reports"/> ride on chunk 0); marks it sent.</summary>
    public Payload Emit(int index, byte[]? reports, out long contributions)
    {
        _emitted[index] = true;
        Emitted++;
        contributions = _contributions[index];
        int total = _whole.TotalBytes, bytes = ModelChunks.BytesOf(index, total), e = ModelChunks.ElementBytes(_whole.Shape);
        byte[] header = ModelChunks.Header(index, Count, total, _whole.Shape, index == 0 ? reports : null, index == 0 && reports is not null);
        Payload content;
        if (_solo is { } solo && _weights[index] == solo.Weight)
            content = ModelChunks.Slice(solo.WithAttachment(null), index).WithAttachment(null);
        else if (_sum is not null)
            content = ModelChunks.VectorChunk(_sum.AsSpan((index * ModelChunks.ChunkBytes) / e, bytes / e), _whole.Shape, _weights[index]);
        else if (_whole.Shape is ChunkShape.Float32 or ChunkShape.Float16)
            content = ModelChunks.VectorChunk(new float[bytes / e], _whole.Shape, _weights[index]); // nothing summed into it
        else
            content = Payload.SizeOnly(bytes, _weights[index]);
        return content.WithAttachment(header);
    }

    /// <summary>
    /// The whole sum at the root. Chunks that summed different weights (someone cut off half-way) are scaled to the
    /// largest weight, so that sum ÷ weight is each coordinate's average over the contributions it holds.
    /// </summary>
    public Payload Result(byte[]? reports)
    {
        double weight = _weights.Length == 0 ? 0 : _weights.Max();
        Payload content;
        if (_whole.Shape is ChunkShape.SizeOnly or ChunkShape.Data)
        {
            content = Payload.SizeOnly(_whole.TotalBytes, weight);
        }
        else
        {
            float[] sum = _solo is { } solo && _sum is null ? solo.Vector! : Materialize();
            int per = ModelChunks.ChunkBytes / ModelChunks.ElementBytes(_whole.Shape);
            for (int k = 0; k < Count; k++)
            {
                if (_weights[k] == weight || _weights[k] == 0)
                    continue;
                float scale = (float)(weight / _weights[k]);
                Span<float> slice = sum.AsSpan(k * per, Math.Min(per, sum.Length - (k * per)));
                for (int i = 0; i < slice.Length; i++)
                    slice[i] *= scale;
            }

            content = Payload.FromVector(sum, weight);
            if (_whole.Shape == ChunkShape.Float16)
                content = content.WithBytes(_whole.TotalBytes);
        }

        return reports is null ? content : content.WithAttachment(reports);
    }

    private bool NothingAdded(double weight)
    {
        for (int k = 0; k < Count; k++)
        {
            if (_weights[k] != weight)
                return false;
        }

        return true;
    }

    /// <summary>The sum as a vector of its own (a lone contribution copied in once, when a second one comes).</summary>
    private float[] Materialize()
    {
        if (_sum is not null)
            return _sum;
        _sum = new float[_whole.TotalBytes / ModelChunks.ElementBytes(_whole.Shape)];
        if (_solo is { } solo)
        {
            solo.Vector!.CopyTo(_sum, 0);
            _solo = null;
        }

        return _sum;
    }
}
