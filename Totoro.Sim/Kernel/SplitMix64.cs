namespace Totoro.Sim.Kernel;

/// <summary>
/// A tiny seeded random generator (SplitMix64): eight bytes of state, so every simulated node can own a stream.
/// Deterministic across platforms and runs, unlike <see cref="Random.Shared"/>.
/// </summary>
public static class SplitMix64
{
    public static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public static double NextDouble(ref ulong state) => (Next(ref state) >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, bound).</summary>
    public static int NextInt(ref ulong state, int bound) => (int)((Next(ref state) >> 33) * (ulong)bound >> 31);

    /// <summary>Derives an independent stream seed from a seed and a stream number.</summary>
    public static ulong Derive(ulong seed, ulong stream)
    {
        ulong s = seed ^ (stream * 0xD1B54A32D192ED03UL);
        return Next(ref s);
    }
}
