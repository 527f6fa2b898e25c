using Totoro.Core.Learning;
using Totoro.Sim.Scenarios;
using Xunit.Abstractions;

namespace Totoro.Sim.Tests;

public class FederatedScenarioTests(ITestOutputHelper output)
{
    [Fact]
    public void Workers_on_a_tree_train_logreg_on_fashion_mnist_and_every_round_merges_every_worker()
    {
        if (!Directory.Exists(IdxReader.DefaultFolder))
        {
            // CI installs dataset-fashion-mnist; elsewhere say why this test did nothing.
            output.WriteLine($"skipped: {IdxReader.DefaultFolder} is missing (apt-get install {IdxReader.DebianPackage})");
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must have dataset-fashion-mnist installed");
            return;
        }

        var scenario = new FederatedScenario(
            new OverlaySimConfig { Nodes = 300, Lookups = 0, Seed = 2 },
            new ForestSimConfig { SubscribersPerApp = 50 },
            new FederatedSimConfig { Rounds = 5, LocalEpochs = 2, TrainSamples = 6000, TestSamples = 2000, LearningRate = 0.1f });
        FederatedSection report = scenario.Run();

        Assert.Equal(5, report.Rounds.Count);
        Assert.All(report.Rounds, r => Assert.Equal(50, r.Contributions));
        foreach (RoundReport r in report.Rounds)
            output.WriteLine($"round {r.Round}: accuracy {r.Accuracy:P1}, loss {r.Loss:F3}, {r.RoundMs:F0} ms");
        Assert.True(report.Rounds[0].Loss > report.Rounds[^1].Loss, "loss must fall over the rounds");
        Assert.True(report.FinalAccuracy > 0.70, $"accuracy {report.FinalAccuracy}");
    }

    [Fact]
    public void The_same_seed_trains_the_same_models()
    {
        if (!Directory.Exists(IdxReader.DefaultFolder))
        {
            output.WriteLine($"skipped: {IdxReader.DefaultFolder} is missing (apt-get install {IdxReader.DebianPackage})");
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must have dataset-fashion-mnist installed");
            return;
        }

        FederatedSection Run(ulong seed) => new FederatedScenario(
            new OverlaySimConfig { Nodes = 120, Lookups = 0, Seed = seed },
            new ForestSimConfig { SubscribersPerApp = 20 },
            new FederatedSimConfig { Rounds = 2, TrainSamples = 1000, TestSamples = 300 }).Run();

        FederatedSection first = Run(7);
        FederatedSection second = Run(7);
        FederatedSection other = Run(8);
        Assert.Equal(first.Rounds, second.Rounds);
        Assert.NotEqual(first.Rounds.Select(r => r.Loss), other.Rounds.Select(r => r.Loss));
    }
}
