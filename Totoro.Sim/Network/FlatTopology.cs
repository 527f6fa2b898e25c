using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Network;

/// <summary>
/// Nodes scattered uniformly over a square; latency is distance times a propagation constant plus each end's
/// access latency. With the defaults, a one-way trip runs from about 2 ms to about 120 ms, like a continent.
/// </summary>
public sealed class FlatTopology : ITopology
{
    private readonly Spot[] _spots; // one array of structs: a distance reads one cache line per node, not three
    private readonly double _microsPerUnit;
    private readonly double _accessMinMicros;
    private readonly double _accessSpanMicros;

    /// <param name="capacity">Number of nodes that will be placed.</param>
    /// <param name="diagonalMs">One-way propagation across the square's diagonal.</param>
    /// <param name="accessMinMs">Smallest per-node access latency (last mile).</param>
    /// <param name="accessMaxMs">Largest per-node access latency.</param>
    public FlatTopology(int capacity, double diagonalMs = 100, double accessMinMs = 1, double accessMaxMs = 10)
    {
        _spots = new Spot[capacity];
        _microsPerUnit = diagonalMs * 1000 / Math.Sqrt(2);
        _accessMinMicros = accessMinMs * 1000;
        _accessSpanMicros = (accessMaxMs - accessMinMs) * 1000;
    }

    public string Name => "flat";

    public int BytesPerNode => 12;

    public void Place(int index, ref ulong random)
    {
        float x = (float)SplitMix64.NextDouble(ref random);
        float y = (float)SplitMix64.NextDouble(ref random);
        _spots[index] = new Spot(x, y, (float)(_accessMinMicros + (_accessSpanMicros * SplitMix64.NextDouble(ref random))));
    }

    public long OneWayMicros(int from, int to)
    {
        if (from == to)
            return 0;
        ref readonly Spot a = ref _spots[from];
        ref readonly Spot b = ref _spots[to];
        float dx = a.X - b.X;
        float dy = a.Y - b.Y;
        double propagation = Math.Sqrt((dx * dx) + (dy * dy)) * _microsPerUnit;
        return (long)(propagation + a.AccessMicros + b.AccessMicros);
    }

    public void Prefetch(ReadOnlySpan<PeerHandle> peers) => CachePrefetch.Rows(_spots, peers);

    private readonly record struct Spot(float X, float Y, float AccessMicros);
}
