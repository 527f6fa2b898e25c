using System.Text.Json;
using Totoro.Core.Learning;
using Totoro.Core.Overlay;
using Totoro.Sim.Churn;
using Totoro.Sim.Scenarios;
using Xunit.Abstractions;

namespace Totoro.Sim.Tests.Churn;

public class TrainingChurnTests(ITestOutputHelper output)
{
    // LEAF synthetic data generated in process: no dataset needed, a few seconds per run.
    private static readonly AppSpec Spec = new()
    {
        Dataset = "synthetic",
        Partition = PartitionSpec.Natural,
        Workers = 30,
        ClientsPerRound = 30,
        LearningRate = 0.05f,
        Rounds = 20,
    };

    private static OverlaySimConfig Overlay(ulong seed) => new() { Nodes = 300, Lookups = 0, Seed = seed, Pastry = new PastryOptions().WithPaperFailureTimers() };

    private static ForestSimConfig Forest(AppSpec spec) => new() { SubscribersPerApp = spec.Workers, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") };

    private static SimReport Disturbed(AppSpec spec, TrainingChurnSimConfig config, ulong seed = 3, (double, double)? gflops = null)
        => new TrainingChurnScenario(Overlay(seed), Forest(spec), new LearningSimConfig { Template = spec, DeviceGflops = gflops ?? (0.5, 8) }, config).Run();

    // Slow devices, so that rounds take seconds (0.2–2 s of compute on 100 synthetic samples) and churn has time to
    // act; the slowest are stragglers against a 2.5 s deadline.
    private static readonly (double, double) SlowDevices = (0.0002, 0.002);

    [Fact]
    public void Killing_every_root_at_round_six_costs_no_model_and_under_a_point_of_accuracy()
    {
        LearningSection calm = new FederatedScenario(Overlay(3), Forest(Spec), new LearningSimConfig { Template = Spec }).Run();
        SimReport hit = Disturbed(Spec, new TrainingChurnSimConfig { KillRootAtRound = 6, Timers = "paper" });

        AppLearningReport before = Assert.Single(calm.PerApp), after = Assert.Single(hit.Learning!.PerApp);
        ChurnSection churn = hit.Churn!;
        TrainingChurnSection training = churn.Training!;
        output.WriteLine($"undisturbed {before.FinalAccuracy:F4} in {before.TotalSeconds:F1} s; root killed: {after.FinalAccuracy:F4} in {after.TotalSeconds:F1} s, take-over after {churn.MeanRecoveryMs} ms");

        Assert.Equal(1, training.RootsKilled);
        Assert.Equal(1, training.RootDeaths);
        Assert.Equal(1, training.RootDeathsResumed);
        Assert.Equal(1, churn.RootFailovers);
        Assert.Equal(0, churn.ModelsLost);
        Assert.Equal(0, churn.RoundsLost); // the replica held the round under way
        Assert.Equal(Spec.Rounds, after.Rounds);
        Assert.Equal(Spec.Rounds + 0, after.History.Count);
        Assert.True(after.TotalSeconds > before.TotalSeconds, "fail-over costs time (detection, the round redone)");
        Assert.True(churn.MeanRecoveryMs > 0);
        Assert.InRange(after.FinalAccuracy, before.FinalAccuracy - 0.01, before.FinalAccuracy + 0.01);
    }

    [Fact]
    public void Under_session_churn_every_round_closes_by_its_deadline_and_each_update_counts_once()
    {
        AppSpec spec = Spec with { RoundDeadlineMs = 2500, Rounds = 20, ClientsPerRound = 10 };
        var churn = new ChurnSimConfig { Sessions = new ExponentialDistribution(200), Timers = "paper", LeaveFraction = 0.3, DurationSeconds = 3600 };
        SimReport report = Disturbed(spec, new TrainingChurnSimConfig { Churn = churn }, gflops: SlowDevices);

        AppLearningReport app = Assert.Single(report.Learning!.PerApp);
        ChurnSection c = report.Churn!;
        TrainingChurnSection t = c.Training!;
        output.WriteLine($"{c.Departures} departures ({c.GracefulLeaves} graceful), {t.WorkerDepartures} worker departures, {t.WorkersHandedOver} handed over, root deaths {t.RootDeaths}, failovers {c.RootFailovers}; mean participants {t.MeanParticipants}, contributions {t.MeanContributions}; accuracy {app.FinalAccuracy:F4}");
        foreach (RoundRecord r in app.History)
            output.WriteLine($"round {r.Round}: {r.Contributions}/{r.Participants} in {r.RoundSeconds:F2} s, accuracy {r.Accuracy:F3}");

        Assert.True(c.Departures > 10, $"churn must happen during training: {c.Departures} departures");
        Assert.True(t.WorkerDepartures > 0, "some workers' nodes must leave");
        Assert.True(t.WorkersHandedOver > 0, "fresh nodes must take departed workers' shards");
        Assert.Equal(spec.Rounds, app.Rounds);
        Assert.False(t.GaveUp);
        Assert.Equal(0, t.AppsUnfinished);
        Assert.Equal(0, c.ModelsLost);
        // Dead workers and stragglers are left out by the deadline: no round runs past it (a redone round after a
        // take-over is timed from the take-over).
        Assert.All(app.History, r => Assert.True(r.RoundSeconds <= (spec.RoundDeadlineMs / 1000.0) + 0.001, $"round {r.Round} took {r.RoundSeconds} s"));
        Assert.Contains(app.History, r => r.Contributions < r.Participants); // churn did cost some rounds updates
        // Counted once: never more updates than participants, and the audit found each merged update's report
        // once, with the merged weight equal to those workers' sample counts.
        Assert.All(app.History, r => Assert.InRange(r.Contributions, 0, r.Participants));
        Assert.Equal(0, t.DuplicateUpdates);
        Assert.Equal(0, t.WeightMismatches);
        Assert.True(t.UpdatesMerged >= app.History.Sum(r => r.Contributions));
    }

    [Fact]
    public void The_same_seed_gives_the_same_run_under_churn_and_a_root_kill()
    {
        AppSpec spec = Spec with { RoundDeadlineMs = 4000, Rounds = 8, ClientsPerRound = 10 };
        var config = new TrainingChurnSimConfig
        {
            Churn = new ChurnSimConfig { Sessions = new ParetoDistribution(300), Timers = "paper", DurationSeconds = 3600 },
            KillRootAtRound = 4,
        };
        static string Numbers(SimReport r) => JsonSerializer.Serialize(new { r.Learning, r.Churn }, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });

        string a = Numbers(Disturbed(spec, config, seed: 9, SlowDevices));
        string b = Numbers(Disturbed(spec, config, seed: 9, SlowDevices));
        string other = Numbers(Disturbed(spec, config, seed: 10, SlowDevices));
        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
    }

    [Theory]
    [InlineData(0, "exp", 0, "needs --round-deadline-ms")]
    [InlineData(21, null, 0, "at most --rounds")]
    [InlineData(0, null, 0, "needs --churn")]
    [InlineData(2, null, 3, "--fail-trees")]
    public void Settings_that_make_no_sense_are_refused_by_name(int killAt, string? sessions, int failTrees, string expected)
    {
        var config = new TrainingChurnSimConfig
        {
            KillRootAtRound = killAt,
            Churn = sessions is null && failTrees == 0 ? null : new ChurnSimConfig { Sessions = sessions is null ? null : SessionDistributions.Create(sessions, 600), FailTrees = failTrees, FailFraction = 0.05 },
        };
        var e = Assert.Throws<ArgumentException>(() => new TrainingChurnScenario(Overlay(1), Forest(Spec), new LearningSimConfig { Template = Spec }, config));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
