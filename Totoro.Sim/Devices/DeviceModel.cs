using Totoro.Sim.Kernel;

namespace Totoro.Sim.Devices;

/// <summary>
/// Heterogeneous edge devices: each node's effective training speed (FLOP/s) is drawn log-uniformly between a
/// slow and a fast device class (default 0.5–8 GFLOP/s: a phone-class core to a small edge GPU), once per node from
/// the run's seed. Local training takes FLOPs / speed. 4 bytes per node.
/// </summary>
public sealed class DeviceModel
{
    private readonly float[] _gflops;

    public DeviceModel(int nodes, (double Min, double Max) gflops, ulong seed)
    {
        if (!(gflops.Min > 0) || !(gflops.Max >= gflops.Min))
            throw new ArgumentException($"device speeds must satisfy 0 < min ≤ max GFLOP/s (got {gflops.Min}–{gflops.Max})", nameof(gflops));
        _gflops = new float[nodes];
        ulong random = SplitMix64.Derive(seed, 0xde71ce);
        double lo = Math.Log(gflops.Min), hi = Math.Log(gflops.Max);
        for (int i = 0; i < nodes; i++)
            _gflops[i] = (float)Math.Exp(lo + ((hi - lo) * SplitMix64.NextDouble(ref random)));
    }

    public int BytesPerNode => 4;

    public double Gflops(int node) => _gflops[node];

    /// <summary>Microseconds node <paramref name="node"/> computes for <paramref name="flops"/>.</summary>
    public long ComputeMicros(int node, double flops) => (long)Math.Ceiling(flops / (_gflops[node] * 1e3));
}
