using Totoro.Sim.Kernel;

namespace Totoro.Sim.Churn;

/// <summary>
/// A correlated failure: in each of T trees a fraction F of the tree's nodes fail at the same instant (paper
/// Fig. 12: 5% of each tree's nodes, 1 to 128 trees). The root is spared unless asked for: its failure is the
/// fail-over case, measured apart.
/// </summary>
public static class FailureBurst
{
    /// <summary>
    /// The nodes to crash: for each tree, ⌈F · members⌉ of its non-root members, drawn without replacement from
    /// the seeded stream (a node in two chosen trees may be drawn by both; it is listed once).
    /// </summary>
    /// <param name="trees">Each tree as (root, every member including the root).</param>
    public static int[] Victims(IReadOnlyList<(int Root, IReadOnlyList<int> Members)> trees, double fraction, bool includeRoots, ref ulong random)
    {
        if (!(fraction > 0) || fraction > 1)
            throw new ArgumentException($"the failing fraction must be in (0, 1] (got {fraction})", nameof(fraction));
        var victims = new SortedSet<int>();
        foreach ((int root, IReadOnlyList<int> members) in trees)
        {
            int[] pool = members.Where(m => m != root).ToArray();
            int count = Math.Min(pool.Length, (int)Math.Ceiling(fraction * members.Count) - (includeRoots ? 1 : 0));
            if (includeRoots)
                victims.Add(root);
            for (int i = 0; i < count; i++)
            {
                int j = i + SplitMix64.NextInt(ref random, pool.Length - i);
                (pool[i], pool[j]) = (pool[j], pool[i]);
                victims.Add(pool[i]);
            }
        }

        return [.. victims];
    }
}
