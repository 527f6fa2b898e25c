namespace Totoro.Core.Learning;

/// <summary>
/// Independent, reproducible seeds derived from a run's seed and a stream number (SplitMix64's finaliser):
/// the same (seed, stream) gives the same value in every process and world, unlike string.GetHashCode.
/// </summary>
public static class SeedStreams
{
    public static ulong Derive(ulong seed, ulong stream)
    {
        ulong z = seed + ((stream + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A non-negative int seed for <see cref="Random"/>.</summary>
    public static int Int(ulong seed, ulong stream) => (int)(Derive(seed, stream) >> 33);
}
