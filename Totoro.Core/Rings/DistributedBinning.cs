namespace Totoro.Core.Rings;

/// <summary>
/// Ratnasamy and Shenker's distributed binning (INFOCOM 2002), in its simplest faithful form: M well-known
/// landmarks, each node measures its RTT to every landmark and joins the bin of the nearest one (the first element
/// of its landmark ordering). Nodes in the same bin are close to the same landmark, hence to each other.
/// Pure functions: the caller supplies the RTTs, measured or simulated.
/// </summary>
public static class DistributedBinning
{
    /// <summary>The zone of a node: the index of the landmark with the smallest RTT (ties to the lower index).</summary>
    public static int Bin(ReadOnlySpan<long> rttToLandmarks)
    {
        if (rttToLandmarks.IsEmpty)
            throw new ArgumentException("A node needs at least one landmark RTT.", nameof(rttToLandmarks));
        int best = 0;
        for (int i = 1; i < rttToLandmarks.Length; i++)
        {
            if (rttToLandmarks[i] < rttToLandmarks[best])
                best = i;
        }

        return best;
    }

    /// <summary>
    /// The landmark ordering of Ratnasamy and Shenker: landmark indices sorted by RTT, nearest first (ties by index).
    /// Two nodes with the same ordering are in the same fine bin; <see cref="Bin"/> keeps only its first element.
    /// </summary>
    public static int[] Ordering(ReadOnlySpan<long> rttToLandmarks)
    {
        long[] keys = rttToLandmarks.ToArray();
        int[] order = new int[keys.Length];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
        return order;
    }

    /// <summary>
    /// Chooses <paramref name="count"/> landmarks among <paramref name="nodes"/> nodes spread as far apart as the
    /// RTTs allow (greedy farthest-point: start at the node farthest from node 0, then repeatedly take the node whose
    /// nearest chosen landmark is farthest). Deterministic: ties go to the lower node index.
    /// </summary>
    public static int[] SpreadLandmarks(int count, int nodes, Func<int, int, long> rtt)
        => SpreadLandmarks(count, Enumerable.Range(0, nodes).ToArray(), rtt);

    /// <summary>
    /// The same greedy farthest-point choice among <paramref name="candidates"/> only (node indices). Drawing the
    /// candidates at random from the population spreads landmarks over where the nodes are, rather than over
    /// a handful of remote outliers (an Antarctic station would otherwise claim a landmark of its own).
    /// </summary>
    public static int[] SpreadLandmarks(int count, IReadOnlyList<int> candidates, Func<int, int, long> rtt)
    {
        int n = candidates.Count;
        if (count < 1 || count > n)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Need from 1 to {n} landmarks.");
        var nearest = new long[n];
        var chosen = new int[count];
        chosen[0] = candidates[Farthest(n, i => rtt(candidates[0], candidates[i]))];
        for (int i = 0; i < n; i++)
            nearest[i] = rtt(chosen[0], candidates[i]);
        for (int k = 1; k < count; k++)
        {
            int next = candidates[Farthest(n, i => nearest[i])];
            chosen[k] = next;
            for (int i = 0; i < n; i++)
                nearest[i] = Math.Min(nearest[i], rtt(next, candidates[i]));
        }

        return chosen;
    }

    private static int Farthest(int nodes, Func<int, long> distance)
    {
        int best = 0;
        long bestDistance = long.MinValue;
        for (int i = 0; i < nodes; i++)
        {
            long d = distance(i);
            if (d > bestDistance)
            {
                best = i;
                bestDistance = d;
            }
        }

        return best;
    }
}
