namespace Totoro.Core.Learning;

/// <summary>
/// Splits a data set's sample indices among clients. Every sample goes to at most one client. Seeded and
/// deterministic.
/// </summary>
public static class Partitioner
{
    /// <summary>Shuffles the samples and deals them out in near-equal shares (sizes differ by at most one).</summary>
    public static int[][] Iid(int samples, int clients, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentNullException.ThrowIfNull(random);
        int[] order = Shuffled(Enumerable.Range(0, samples).ToArray(), random);
        var parts = new int[clients][];
        int start = 0;
        for (int c = 0; c < clients; c++)
        {
            int size = (samples / clients) + (c < samples % clients ? 1 : 0);
            parts[c] = order[start..(start + size)];
            start += size;
        }

        return parts;
    }

    /// <summary>
    /// Label skew: for each class, proportions p ~ Dirichlet(α) over the clients, and that class's samples are split
    /// by p. Small α gives each client few classes; large α approaches IID.
    /// </summary>
    public static int[][] Dirichlet(IReadOnlyList<int> labels, int classes, int clients, double alpha, Random random)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentNullException.ThrowIfNull(random);
        var parts = new List<int>[clients];
        for (int c = 0; c < clients; c++)
            parts[c] = [];
        foreach (int[] members in ByClass(labels, classes))
        {
            int[] order = Shuffled(members, random);
            double[] p = Sampling.Dirichlet(random, alpha, clients);
            double cumulative = 0;
            int start = 0;
            for (int c = 0; c < clients; c++)
            {
                cumulative += p[c];
                int end = c == clients - 1 ? order.Length : Math.Min(order.Length, (int)Math.Round(cumulative * order.Length));
                end = Math.Max(end, start);
                parts[c].AddRange(order[start..end]);
                start = end;
            }
        }

        return parts.Select(p => p.ToArray()).ToArray();
    }

    /// <summary>
    /// McMahan et al.'s shards: sort by label, cut into clients × <paramref name="shardsPerClient"/> equal shards,
    /// give each client that many random shards. Samples left over by the rounding are unused.
    /// </summary>
    public static int[][] Shards(IReadOnlyList<int> labels, int clients, int shardsPerClient, Random random)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardsPerClient, 1);
        ArgumentNullException.ThrowIfNull(random);
        int shards = clients * shardsPerClient;
        int shardSize = labels.Count / shards;
        if (shardSize == 0)
            throw new ArgumentException($"{labels.Count} samples cannot fill {shards} shards.", nameof(labels));
        // Stable sort by label (index breaks ties) so that the result depends only on the seed.
        int[] sorted = Enumerable.Range(0, labels.Count).OrderBy(i => labels[i]).ThenBy(i => i).ToArray();
        int[] shardOrder = Shuffled(Enumerable.Range(0, shards).ToArray(), random);
        var parts = new int[clients][];
        for (int c = 0; c < clients; c++)
        {
            var part = new List<int>(shardSize * shardsPerClient);
            for (int s = 0; s < shardsPerClient; s++)
            {
                int shard = shardOrder[(c * shardsPerClient) + s];
                part.AddRange(sorted.AsSpan(shard * shardSize, shardSize).ToArray());
            }

            parts[c] = part.ToArray();
        }

        return parts;
    }

    private static List<int[]> ByClass(IReadOnlyList<int> labels, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        var members = new List<int>[classes];
        for (int k = 0; k < classes; k++)
            members[k] = [];
        for (int i = 0; i < labels.Count; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"Label {labels[i]} at {i} is outside 0..{classes - 1}.", nameof(labels));
            members[labels[i]].Add(i);
        }

        return members.Select(m => m.ToArray()).ToList();
    }

    private static int[] Shuffled(int[] values, Random random)
    {
        int[] copy = (int[])values.Clone();
        for (int i = copy.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }

        return copy;
    }
}
