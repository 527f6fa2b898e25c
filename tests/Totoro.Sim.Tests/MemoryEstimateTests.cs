using Totoro.Core.Learning;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests;

/// <summary>Issue 20: a run that cannot fit is refused before it starts, with the arithmetic; one that fits is not.</summary>
public class MemoryEstimateTests
{
    private const long Gib = 1L << 30;

    [Theory]
    [InlineData(1000, 4, 3)] // log16 1000 ≈ 2.5: three rows, and one more for the leaf set's neighbours
    [InlineData(1_000_000, 4, 5)]
    [InlineData(10_000_000, 4, 6)]
    [InlineData(1_000_000, 3, 7)]
    public void Routing_rows_follow_log_base_two_to_the_b_of_n(int nodes, int b, int digits)
        => Assert.Equal(digits + 1, MemoryEstimate.RoutingRows(nodes, b));

    [Fact]
    public void The_estimate_adds_up_as_its_arithmetic_says()
    {
        var overlay = new OverlaySimConfig { Nodes = 1_000_000 };
        (long bytes, string arithmetic) = MemoryEstimate.Of(overlay, null);
        long perNode = MemoryEstimate.NodeBytes + (4 * 16 * 6);
        Assert.Equal(MemoryEstimate.FixedBytes + (1_000_000L * perNode), bytes);
        Assert.Contains($"1,000,000 nodes × {perNode:N0} B + 100 MB fixed", arithmetic);

        var forest = new ForestSimConfig { Apps = 10, SubscribersPerApp = 100, ModelBytes = 1000, RealVectors = true };
        (long withTrees, _) = MemoryEstimate.Of(overlay, forest);
        long members = 2 * 10 * 100;
        Assert.Equal(bytes + (1_000_000L * MemoryEstimate.ForestNodeBytes) + (members * MemoryEstimate.MemberBytes) + (3 * members * 1000), withTrees);
    }

    [Fact]
    public void Ten_million_nodes_fit_in_24_GiB_and_fifty_million_do_not()
    {
        Assert.Null(MemoryEstimate.Refusal(new OverlaySimConfig { Nodes = 10_000_000 }, null, 24 * Gib));
        string? refusal = MemoryEstimate.Refusal(new OverlaySimConfig { Nodes = 50_000_000 }, null, 24 * Gib);
        Assert.NotNull(refusal);
        Assert.Contains("more than this machine's 24.0 GiB", refusal);

        // The number it says fits does fit, and a tenth more does not.
        long most = long.Parse(System.Text.RegularExpressions.Regex.Match(refusal, @"at most about ([\d,]+) nodes").Groups[1].Value.Replace(",", ""));
        Assert.Null(MemoryEstimate.Refusal(new OverlaySimConfig { Nodes = (int)most }, null, 24 * Gib));
        Assert.NotNull(MemoryEstimate.Refusal(new OverlaySimConfig { Nodes = (int)(most * 1.1) }, null, 24 * Gib));
    }

    [Fact]
    public void A_training_run_adds_its_learners_workers_and_data()
    {
        var overlay = new OverlaySimConfig { Nodes = 1_000_000 };
        var forest = new ForestSimConfig { Apps = 1000, SubscribersPerApp = 100 };
        var training = new LearningSimConfig { Apps = 1000, Template = new AppSpec { Workers = 100 }, Train = "timing" };
        (long trees, _) = MemoryEstimate.Of(overlay, forest);
        (long trained, string arithmetic) = MemoryEstimate.Of(overlay, forest, training);
        Assert.Equal(trees + (1_000_000L * MemoryEstimate.LearnerNodeBytes) + (100_000L * MemoryEstimate.WorkerBytes) + MemoryEstimate.FashionMnistBytes, trained);
        Assert.Contains("100,000 workers × 15,000 B + 209 MB (Fashion-MNIST)", arithmetic);

        // The run results/scale/1m-train measured at 3,655 MB (the sim's own peak): the estimate is within a tenth.
        Assert.InRange(trained, 3_655_000_000 * 0.9, 3_655_000_000 * 1.1);

        // Synthetic data is each worker's own, 100 samples by default or its share of --train-samples.
        var synthetic = training with { Template = new AppSpec { Workers = 100, Dataset = "synthetic" } };
        (long generated, _) = MemoryEstimate.Of(overlay, forest, synthetic);
        Assert.Equal(trained - MemoryEstimate.FashionMnistBytes + (100_000L * 100 * MemoryEstimate.SyntheticSampleBytes), generated);
        var fewer = training with { Template = new AppSpec { Workers = 100, Dataset = "synthetic", TrainSamples = 2000 } };
        Assert.Equal(generated - (100_000L * 80 * MemoryEstimate.SyntheticSampleBytes), MemoryEstimate.Of(overlay, forest, fewer).Bytes);
    }

    [Fact]
    public void Workers_that_cannot_fit_are_refused_though_their_trees_would()
    {
        var overlay = new OverlaySimConfig { Nodes = 1_000_000 };
        var forest = new ForestSimConfig { Apps = 10_000, SubscribersPerApp = 100 };
        var training = new LearningSimConfig { Apps = 10_000, Template = new AppSpec { Workers = 100, Dataset = "synthetic" }, Train = "timing" };
        Assert.Null(MemoryEstimate.Refusal(overlay, forest, 24 * Gib)); // 10^6 tree members fit: it is the training that does not
        string? refusal = MemoryEstimate.Refusal(overlay, forest, 24 * Gib, training);
        Assert.NotNull(refusal);
        Assert.Contains("1,000,000 workers × 70,000 B", refusal);
        Assert.Contains("the apps' trees and workers alone need", refusal);
    }

    [Fact]
    public void Trees_that_alone_exceed_the_machine_say_so()
    {
        var forest = new ForestSimConfig { Apps = 1000, SubscribersPerApp = 1000, ModelBytes = 4 << 20, RealVectors = true };
        string? refusal = MemoryEstimate.Refusal(new OverlaySimConfig { Nodes = 100_000 }, forest, 24 * Gib);
        Assert.NotNull(refusal);
        Assert.Contains("the apps' trees alone need", refusal);
    }
}
