using Totoro.Sim.Churn;

namespace Totoro.Sim.Tests.Churn;

public class FailureBurstTests
{
    [Fact]
    public void Each_tree_loses_its_fraction_and_roots_only_when_asked()
    {
        var trees = new List<(int Root, IReadOnlyList<int> Members)>
        {
            (0, Enumerable.Range(0, 100).ToArray()),
            (1000, Enumerable.Range(1000, 40).ToArray()),
        };
        ulong random = 3;
        int[] victims = FailureBurst.Victims(trees, 0.05, includeRoots: false, ref random);
        Assert.Equal(5, victims.Count(v => v < 1000));   // ⌈0.05 · 100⌉
        Assert.Equal(2, victims.Count(v => v >= 1000));  // ⌈0.05 · 40⌉
        Assert.DoesNotContain(0, victims);
        Assert.DoesNotContain(1000, victims);

        random = 3;
        int[] withRoots = FailureBurst.Victims(trees, 0.05, includeRoots: true, ref random);
        Assert.Contains(0, withRoots);
        Assert.Contains(1000, withRoots);
        Assert.Equal(7, withRoots.Length);
    }

    [Fact]
    public void The_same_seed_picks_the_same_victims()
    {
        var trees = new List<(int Root, IReadOnlyList<int> Members)> { (0, Enumerable.Range(0, 500).ToArray()) };
        ulong a = 9, b = 9, c = 10;
        Assert.Equal(FailureBurst.Victims(trees, 0.1, false, ref a), FailureBurst.Victims(trees, 0.1, false, ref b));
        Assert.NotEqual(FailureBurst.Victims(trees, 0.1, false, ref a), FailureBurst.Victims(trees, 0.1, false, ref c));
    }
}
