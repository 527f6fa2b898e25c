using Totoro.Sim.Kernel;
using Totoro.Sim.Network;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Measures zones against the topology: size, diameter (largest RTT between two members), mean RTT between
/// members, and how many members sit in the zone's majority region. A zone of up to <see cref="AllPairsUpTo"/>
/// nodes is measured on every pair; a bigger one from <see cref="Probes"/> random members to every member, which
/// finds each probe's farthest member, so the diameter is a close lower bound and the mean is unbiased.
/// </summary>
internal static class ZoneGeometry
{
    public const int AllPairsUpTo = 400;
    public const int Probes = 64;

    public static (ZoneRow[] Rows, double? RegionMatch, double MeanIntraMs) Measure(
        SimWorld world, int[] zoneOf, int zones, IRegionTopology? regions, ulong seed)
    {
        var members = new List<int>[zones];
        for (int z = 0; z < zones; z++)
            members[z] = [];
        for (int i = 0; i < zoneOf.Length; i++)
            members[zoneOf[i]].Add(i);

        ulong random = SplitMix64.Derive(seed, 0x20e5);
        var rows = new ZoneRow[zones];
        long matched = 0;
        double weightedMean = 0;
        for (int z = 0; z < zones; z++)
        {
            List<int> m = members[z];
            (long max, double mean) = Rtts(world, m, ref random);
            string? region = null;
            double share = 0;
            if (regions is not null && m.Count > 0)
            {
                var counts = new int[regions.RegionCount];
                foreach (int node in m)
                    counts[regions.RegionOf(node)]++;
                int majority = Array.IndexOf(counts, counts.Max());
                region = regions.RegionName(majority);
                share = Math.Round((double)counts[majority] / m.Count, 4);
                matched += counts[majority];
            }

            weightedMean += mean * m.Count;
            rows[z] = new ZoneRow(z, m.Count, region, share, Math.Round(max / 1000.0, 3), Math.Round(mean / 1000, 3));
        }

        int n = zoneOf.Length;
        double? match = regions is null || n == 0 ? null : Math.Round((double)matched / n, 4);
        return (rows, match, n == 0 ? 0 : Math.Round(weightedMean / n / 1000, 3));
    }

    private static (long Max, double Mean) Rtts(SimWorld world, List<int> m, ref ulong random)
    {
        long max = 0;
        double sum = 0;
        long pairs = 0;
        if (m.Count <= AllPairsUpTo)
        {
            for (int i = 0; i < m.Count; i++)
            {
                for (int j = i + 1; j < m.Count; j++)
                    Add(world.RoundTripMicros(m[i], m[j]));
            }
        }
        else
        {
            for (int p = 0; p < Probes; p++)
            {
                int probe = m[SplitMix64.NextInt(ref random, m.Count)];
                foreach (int other in m)
                {
                    if (other != probe)
                        Add(world.RoundTripMicros(probe, other));
                }
            }
        }

        return (max, pairs == 0 ? 0 : sum / pairs);

        void Add(long rtt)
        {
            max = Math.Max(max, rtt);
            sum += rtt;
            pairs++;
        }
    }
}
