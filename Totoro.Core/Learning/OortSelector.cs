using System.Buffers.Binary;

namespace Totoro.Core.Learning;

/// <summary>
/// Oort-like guided selection (Lai et al., OSDI '21): a worker's utility is its statistical utility — samples ×
/// last training loss, high where the model still errs — plus a staleness bonus √(0.1·ln R / last round), scaled by
/// (T/t)^α when its device took longer than the preferred duration T (here the median of observed compute times,
/// α = 2). Each round a fraction ε of the slots explores workers never tried; the rest go to the highest utilities.
/// </summary>
public sealed class OortSelector : IClientSelector
{
    private const double Exploration = 0.2;
    private const double StragglerPenalty = 2;

    private readonly int _workers;
    private readonly IReadOnlyList<int> _samples;
    private readonly double[] _loss;
    private readonly double[] _seconds;
    private readonly int[] _lastRound;

    public OortSelector(int workers, IReadOnlyList<int> samplesPerWorker)
    {
        ArgumentNullException.ThrowIfNull(samplesPerWorker);
        if (samplesPerWorker.Count != workers)
            throw new ArgumentException($"{samplesPerWorker.Count} sample counts for {workers} workers.", nameof(samplesPerWorker));
        _workers = workers;
        _samples = samplesPerWorker;
        _loss = new double[workers];
        _seconds = new double[workers];
        _lastRound = new int[workers];
    }

    public string Name => "oort";

    public int[] Select(int round, int count, Random random, IReadOnlyList<int>? eligible = null)
    {
        var unexplored = new List<int>();
        var explored = new List<int>();
        foreach (int w in eligible ?? Enumerable.Range(0, _workers).ToArray())
        {
            if (w >= 0 && w < _workers)
                (_lastRound[w] == 0 ? unexplored : explored).Add(w);
        }

        count = Math.Min(count, unexplored.Count + explored.Count);

        int explore = Math.Min(unexplored.Count, explored.Count == 0 ? count : Math.Max(1, (int)Math.Round(Exploration * count)));
        var chosen = new List<int>(count);
        for (int i = 0; i < explore; i++)
        {
            int j = i + random.Next(unexplored.Count - i);
            (unexplored[i], unexplored[j]) = (unexplored[j], unexplored[i]);
            chosen.Add(unexplored[i]);
        }

        double preferred = Median(explored.Select(w => _seconds[w]));
        explored.Sort((a, b) =>
        {
            int c = Utility(b, round, preferred).CompareTo(Utility(a, round, preferred));
            return c != 0 ? c : a.CompareTo(b);
        });
        foreach (int w in explored)
        {
            if (chosen.Count >= count)
                break;
            chosen.Add(w);
        }

        for (int i = explore; chosen.Count < count && i < unexplored.Count; i++)
            chosen.Add(unexplored[i]);
        int[] result = [.. chosen];
        Array.Sort(result);
        return result;
    }

    public void Observe(int round, WorkerReport report)
    {
        if (report.Worker < 0 || report.Worker >= _workers)
            return;
        _loss[report.Worker] = report.Loss;
        _seconds[report.Worker] = report.ComputeSeconds;
        _lastRound[report.Worker] = round;
    }

    /// <summary>workers i32 | per worker: loss f64, compute seconds f64, last round i32 (big endian).</summary>
    public byte[] SaveState()
    {
        var bytes = new byte[4 + (20 * _workers)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, _workers);
        for (int w = 0; w < _workers; w++)
        {
            BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(4 + (20 * w)), _loss[w]);
            BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(12 + (20 * w)), _seconds[w]);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20 + (20 * w)), _lastRound[w]);
        }

        return bytes;
    }

    public bool RestoreState(ReadOnlySpan<byte> state)
    {
        if (state.Length != 4 + (20 * _workers) || BinaryPrimitives.ReadInt32BigEndian(state) != _workers)
            return false;
        for (int w = 0; w < _workers; w++)
        {
            _loss[w] = BinaryPrimitives.ReadDoubleBigEndian(state[(4 + (20 * w))..]);
            _seconds[w] = BinaryPrimitives.ReadDoubleBigEndian(state[(12 + (20 * w))..]);
            _lastRound[w] = BinaryPrimitives.ReadInt32BigEndian(state[(20 + (20 * w))..]);
        }

        return true;
    }

    /// <summary>Oort's utility of an explored worker.</summary>
    public double Utility(int worker, int round, double preferredSeconds)
    {
        double statistical = _samples[worker] * _loss[worker];
        double staleness = Math.Sqrt(0.1 * Math.Log(Math.Max(round, 2)) / Math.Max(1, _lastRound[worker]));
        double utility = statistical + staleness;
        double t = _seconds[worker];
        if (preferredSeconds > 0 && t > preferredSeconds)
            utility *= Math.Pow(preferredSeconds / t, StragglerPenalty);
        return utility;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }
}
