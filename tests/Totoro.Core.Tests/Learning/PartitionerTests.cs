using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

public class PartitionerTests
{
    private static int[] Labels(int count, int classes, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(classes)).ToArray();
    }

    private static void AssertDisjointWithinRange(int[][] parts, int samples)
    {
        var seen = new bool[samples];
        foreach (int[] part in parts)
        {
            foreach (int i in part)
            {
                Assert.InRange(i, 0, samples - 1);
                Assert.False(seen[i], $"sample {i} given twice");
                seen[i] = true;
            }
        }
    }

    [Fact]
    public void Iid_uses_every_sample_once_in_near_equal_shares()
    {
        int[][] parts = Partitioner.Iid(1003, 10, new Random(1));
        AssertDisjointWithinRange(parts, 1003);
        Assert.Equal(1003, parts.Sum(p => p.Length));
        Assert.InRange(parts.Max(p => p.Length) - parts.Min(p => p.Length), 0, 1);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(100)]
    public void Dirichlet_uses_every_sample_once(double alpha)
    {
        int[] labels = Labels(2000, 10, 3);
        int[][] parts = Partitioner.Dirichlet(labels, 10, 20, alpha, new Random(4));
        AssertDisjointWithinRange(parts, labels.Length);
        Assert.Equal(labels.Length, parts.Sum(p => p.Length));
    }

    [Fact]
    public void Small_alpha_is_more_skewed_than_large_alpha()
    {
        int[] labels = Labels(5000, 10, 5);
        double skewed = MeanLabelEntropy(Partitioner.Dirichlet(labels, 10, 20, 0.1, new Random(6)), labels);
        double mild = MeanLabelEntropy(Partitioner.Dirichlet(labels, 10, 20, 100, new Random(6)), labels);
        double iid = MeanLabelEntropy(Partitioner.Iid(labels.Length, 20, new Random(6)), labels);
        // log2(10) ≈ 3.32 bits is a uniform label mix.
        Assert.True(skewed < 1.8, $"α = 0.1 entropy {skewed}");
        Assert.True(mild > 3.1, $"α = 100 entropy {mild}");
        Assert.True(iid > 3.1, $"IID entropy {iid}");
    }

    [Fact]
    public void Shards_give_each_client_at_most_two_labels_per_two_shards()
    {
        // Balanced labels, 100 clients × 2 shards of 50 each: a shard lies within one class (500 per class).
        int[] labels = Enumerable.Range(0, 10_000).Select(i => i % 10).ToArray();
        int[][] parts = Partitioner.Shards(labels, 100, 2, new Random(7));
        AssertDisjointWithinRange(parts, labels.Length);
        Assert.All(parts, p => Assert.Equal(100, p.Length));
        Assert.All(parts, p => Assert.InRange(p.Select(i => labels[i]).Distinct().Count(), 1, 2));
    }

    [Fact]
    public void Partitions_are_deterministic_per_seed()
    {
        int[] labels = Labels(500, 5, 8);
        Assert.Equal(Partitioner.Dirichlet(labels, 5, 7, 0.5, new Random(9)), Partitioner.Dirichlet(labels, 5, 7, 0.5, new Random(9)));
        Assert.NotEqual(Partitioner.Iid(500, 7, new Random(1)), Partitioner.Iid(500, 7, new Random(2)));
    }

    private static double MeanLabelEntropy(int[][] parts, int[] labels)
    {
        var entropies = new List<double>();
        foreach (int[] part in parts.Where(p => p.Length > 0))
        {
            double h = 0;
            foreach (IGrouping<int, int> group in part.GroupBy(i => labels[i]))
            {
                double q = (double)group.Count() / part.Length;
                h -= q * Math.Log2(q);
            }

            entropies.Add(h);
        }

        return entropies.Average();
    }
}
