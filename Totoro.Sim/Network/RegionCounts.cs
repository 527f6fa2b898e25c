namespace Totoro.Sim.Network;

/// <summary>Scales published per-region counts to N nodes and spreads the regions over node indices.</summary>
internal static class RegionCounts
{
    /// <summary>
    /// Proportional counts by largest remainder, summing to <paramref name="nodes"/>. When there are at least as many
    /// nodes as regions every region keeps at least one node (taken from the largest regions), so no region vanishes.
    /// </summary>
    public static int[] Scale(int[] published, int nodes)
    {
        long total = published.Sum(c => (long)c);
        var counts = new int[published.Length];
        var remainders = new double[published.Length];
        int assigned = 0;
        for (int r = 0; r < published.Length; r++)
        {
            double quota = (double)nodes * published[r] / total;
            counts[r] = (int)Math.Floor(quota);
            remainders[r] = quota - counts[r];
            assigned += counts[r];
        }

        int[] byRemainder = Enumerable.Range(0, published.Length).OrderByDescending(r => remainders[r]).ThenBy(r => r).ToArray();
        for (int k = 0; assigned < nodes; k++, assigned++)
            counts[byRemainder[k % byRemainder.Length]]++;
        if (nodes >= published.Length)
        {
            for (int r = 0; r < counts.Length; r++)
            {
                if (counts[r] > 0)
                    continue;
                int largest = Array.IndexOf(counts, counts.Max());
                counts[largest]--;
                counts[r] = 1;
            }
        }

        return counts;
    }

    /// <summary>
    /// A stride coprime with N: node i takes slot (i · stride) mod N, and slots are cut into consecutive region blocks.
    /// So regions interleave in join order (every prefix of the join order has every region) with O(1) state.
    /// </summary>
    public static long Stride(int nodes)
    {
        long stride = Math.Max(1, (long)(nodes * 0.6180339887));
        while (Gcd(stride, nodes) != 1)
            stride++;
        return stride;
    }

    public static int RegionOfSlot(int[] cumulative, long slot)
    {
        int r = 0;
        while (slot >= cumulative[r])
            r++;
        return r;
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0)
            (a, b) = (b, a % b);
        return a;
    }
}
