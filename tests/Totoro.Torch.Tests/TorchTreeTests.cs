using Totoro.Core.Learning;
using Totoro.Sim.Scenarios;
using Xunit.Abstractions;

namespace Totoro.Torch.Tests;

/// <summary>The TorchSharp networks trained through the simulator's trees, on Fashion-MNIST.</summary>
public class TorchTreeTests(ITestOutputHelper output)
{
    static TorchTreeTests() => TorchModels.Register();

    private static FederatedScenario Scenario(AppSpec spec, string system)
        => new(new OverlaySimConfig { Nodes = 60, Lookups = 0, Seed = 4 }, new ForestSimConfig { SubscribersPerApp = spec.Workers }, new LearningSimConfig { Template = spec, System = system });

    [SkippableTheory]
    [InlineData("cnn", 8, 400, 2)]
    [InlineData("shufflenet-v2", 4, 40, 1)]
    // resnet-34 (85 MB of float32, 340 chunks on a tree) is too slow to train on a test machine's CPU: it is sized, not trained here.
    public void A_network_trained_through_the_tree_ends_with_the_stars_flat_average(string model, int workers, int samples, int rounds)
    {
        // Same workers, participants, data and local training: the tree's partial sums must give the flat sum.
        Needs.FashionMnist();
        var spec = new AppSpec { Model = model, Workers = workers, ClientsPerRound = 0, TrainSamples = samples, TestSamples = 200, Rounds = rounds, LearningRate = 0.05f, BatchSize = 10 };
        FederatedScenario tree = Scenario(spec, "totoro"), star = Scenario(spec, "star");
        LearningSection report = tree.Run();
        star.Run();
        float[] a = tree.Masters[0].Global, b = star.Masters[0].Global;
        AppLearningReport app = Assert.Single(report.PerApp);
        output.WriteLine($"{model}: {a.Length:N0} parameters, accuracy {app.FinalAccuracy:P1} after {app.Rounds} rounds");
        Assert.Equal(rounds, app.Rounds);
        Assert.All(app.History, r => Assert.Equal(workers, r.Contributions));
        double scale = a.Max(MathF.Abs);
        double maxDiff = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(maxDiff <= 1e-5 * scale, $"tree and star differ by {maxDiff} (scale {scale})");
        Assert.All(a, v => Assert.True(float.IsFinite(v)));
        if (model == "cnn")
            Assert.True(app.FinalAccuracy > 0.3, $"a cnn on 400 samples should beat chance (0.1) by far, got {app.FinalAccuracy}");
    }

    [SkippableFact]
    public void Timing_mode_charges_a_networks_flops_not_its_parameter_count()
    {
        // Timing mode trains nothing; a worker's compute time is its training FLOPs over its device speed, so the
        // conv net (2.4 MFLOP a sample on 0.2 M parameters) costs about six times what 6·P would say.
        Needs.FashionMnist();
        var spec = new AppSpec { Model = "cnn", Workers = 10, ClientsPerRound = 0, TrainSamples = 1000, TestSamples = 100, Rounds = 2 };
        var config = new LearningSimConfig { Template = spec, Train = "timing", DeviceGflops = (1, 1) };
        var scenario = new FederatedScenario(new OverlaySimConfig { Nodes = 60, Lookups = 0, Seed = 4 }, new ForestSimConfig { SubscribersPerApp = 10 }, config);
        LearningSection report = scenario.Run();
        FederatedWorkload workload = scenario.WorkloadOf(scenario.TreeApps[0]);
        double flops = FederatedWorker.TrainingFlops(workload, 0);
        Assert.True(flops > 5 * 6.0 * workload.Model.ParameterCount * workload.Shares[0].Length, "a convolution reuses each weight at many pixels");
        double seconds = flops / 1e9; // every device does 1 GFLOP/s
        output.WriteLine($"{flops / 1e9:F2} GFLOP a worker a round; rounds {string.Join(", ", report.PerApp[0].History.Select(r => r.RoundSeconds.ToString("F2")))} s");
        Assert.All(report.PerApp[0].History, r => Assert.True(r.RoundSeconds >= seconds, $"a round of {r.RoundSeconds} s is shorter than one worker's {seconds} s of compute"));
    }
}
