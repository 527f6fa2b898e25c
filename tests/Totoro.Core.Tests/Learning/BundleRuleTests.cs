using Totoro.Core.Learning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Learning;

/// <summary>Robust rules merged through trees of different shapes against flat brute-force statistics.</summary>
public class BundleRuleTests
{
    private const int Dims = 7;

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(13)]
    public void Median_through_trees_equals_the_flat_median(int count)
    {
        List<float[]> vectors = Vectors(count, seed: count);
        var rule = new CoordinateMedianRule(Dims);
        float[] expected = Flat(vectors, column => column.Length % 2 == 1 ? column[column.Length / 2] : ((double)column[(column.Length / 2) - 1] + column[column.Length / 2]) / 2);
        AssertTreesAgree(rule, vectors, expected);
    }

    [Theory]
    [InlineData(10, 0.1)]
    [InlineData(11, 0.2)]
    [InlineData(4, 0.45)]
    public void Trimmed_mean_through_trees_equals_the_flat_trimmed_mean(int count, double beta)
    {
        List<float[]> vectors = Vectors(count, seed: 100 + count);
        var rule = new TrimmedMeanRule(Dims, beta);
        int trim = (int)Math.Floor(beta * count);
        float[] expected = Flat(vectors, column => column.Skip(trim).Take(count - (2 * trim)).Average(x => (double)x));
        AssertTreesAgree(rule, vectors, expected);
    }

    [Fact]
    public void Median_ignores_an_outlier_that_the_mean_follows()
    {
        var rule = new CoordinateMedianRule(1);
        Payload bundle = new[] { 1f, 2, 3, 1000 }.Select(x => Payload.FromVector([x])).Aggregate(rule.Merge);
        Assert.Equal(2.5f, rule.Reduce(bundle)[0]);
        Assert.Equal(2.5f, new TrimmedMeanRule(1, 0.25).Reduce(bundle)[0]); // drops 1 and 1000
        Assert.Equal(4, rule.Count(bundle));
    }

    [Fact]
    public void Size_only_bundles_add_their_sizes()
    {
        var rule = new CoordinateMedianRule(Dims);
        Payload merged = rule.Merge(Payload.SizeOnly(Dims * 4, 3), Payload.SizeOnly(2 * Dims * 4, 5));
        Assert.Equal(3 * Dims * 4, merged.Bytes);
        Assert.Equal(8, merged.Weight);
    }

    private static void AssertTreesAgree(BundleRule rule, List<float[]> vectors, float[] expected)
    {
        var leaves = vectors.Select((v, i) => Payload.FromVector(v, weight: i + 1)).ToList();
        Payload leftDeep = leaves.Aggregate(rule.Merge);
        Payload balancedReversed = Balanced(rule, Enumerable.Reverse(leaves).ToList());
        var order = new Random(vectors.Count + 1);
        var shuffled = leaves.OrderBy(_ => order.Next()).ToList();
        Payload random = RandomTree(rule, shuffled, new Random(vectors.Count));

        foreach (Payload root in new[] { leftDeep, balancedReversed, random })
        {
            Assert.Equal(vectors.Count, rule.Count(root));
            Assert.Equal(vectors.Count * (vectors.Count + 1) / 2.0, root.Weight);
            float[] result = rule.Reduce(root);
            for (int j = 0; j < Dims; j++)
                Assert.Equal(expected[j], result[j], 5);
        }

        // Canonical order: every shape gives the very same bundle.
        Assert.Equal(leftDeep.Vector, balancedReversed.Vector);
        Assert.Equal(leftDeep.Vector, random.Vector);
    }

    private static Payload Balanced(BundleRule rule, List<Payload> items) =>
        items.Count == 1 ? items[0] : rule.Merge(Balanced(rule, items[..(items.Count / 2)]), Balanced(rule, items[(items.Count / 2)..]));

    private static Payload RandomTree(BundleRule rule, List<Payload> items, Random random)
    {
        var pool = new List<Payload>(items);
        while (pool.Count > 1)
        {
            int i = random.Next(pool.Count);
            Payload a = pool[i];
            pool.RemoveAt(i);
            int j = random.Next(pool.Count);
            pool[j] = random.Next(2) == 0 ? rule.Merge(a, pool[j]) : rule.Merge(pool[j], a);
        }

        return pool[0];
    }

    private static float[] Flat(List<float[]> vectors, Func<float[], double> statistic)
    {
        var result = new float[Dims];
        for (int j = 0; j < Dims; j++)
            result[j] = (float)statistic(vectors.Select(v => v[j]).Order().ToArray());
        return result;
    }

    private static List<float[]> Vectors(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => LearningTestData.RandomVector(random, Dims, 10)).ToList();
    }
}
