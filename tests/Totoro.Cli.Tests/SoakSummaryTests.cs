using Totoro.Cli.Soak;

namespace Totoro.Cli.Tests;

/// <summary>The soak's checks that a finished app learned something, and that no app began afresh with its model elsewhere.</summary>
public sealed class SoakSummaryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("totoro-soak-summary-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// The CI soak that failed (seed 5): host 0 held app-a's master and was cut off at 94.6 s, made its rounds alone, and
    /// host 2 started the app afresh at 109.3 s, before the heal at 114.8 s. app-b made a round on host 1, not cut off,
    /// and host 3 started it afresh: lost. app-c made its first round on host 0 before the cut, so a replica could have
    /// left: lost. app-d started once.
    /// </summary>
    [Fact]
    public void A_fresh_start_while_the_apps_only_rounds_were_inside_a_cut_host_is_a_split_not_a_lost_model()
    {
        File.WriteAllText(Path.Combine(_dir, "h0.log"), """
            === soak: start 1 at 0.0 s
            90.000 INFO app app-c: a node here is its master and starts round 1
            91.000 INFO app app-c round 1/40: 16 of 16 updates, accuracy 0.5000, 1.00 s
            96.329 INFO app app-a: a node here is its master and starts round 1
            101.330 INFO app app-a round 1/40: 4 of 16 updates, accuracy 0.8550, 5.00 s
            103.337 INFO app app-a round 40/40: 4 of 4 updates, accuracy 0.8855, 0.01 s
            """);
        File.WriteAllText(Path.Combine(_dir, "h1.log"), """
            === soak: start 1 at 1.0 s
            10.000 INFO app app-b: a node here is its master and starts round 1
            11.000 INFO app app-b round 1/40: 16 of 16 updates, accuracy 0.5000, 1.00 s
            12.000 INFO app app-d: a node here is its master and starts round 1
            """);
        File.WriteAllText(Path.Combine(_dir, "h2.log"), """
            === soak: start 1 at 1.0 s
            === soak: killed (SIGKILL) at 72.5 s
            === soak: start 2 at 81.5 s, joining through host 1
            27.813 INFO app app-a: a node here is its master and starts round 1
            28.007 INFO app app-a round 1/40: 10 of 11 updates, accuracy 0.8425, 0.19 s
            28.100 INFO app app-c: a node here is its master and starts round 1
            """);
        File.WriteAllText(Path.Combine(_dir, "h3.log"), """
            === soak: start 1 at 2.0 s
            20.000 INFO app app-b: a node here is its master and starts round 1
            """);
        List<SoakSummary.CutWindow> cuts = SoakSummary.CutWindows(["   93.0 s  submitted app-a through host 4: master at 10.232.151.2:7000",
            "   94.6 s  host 0 cut off from the bridge for 20 s", "  114.8 s  host 0 reconnected"]);
        Assert.Equal([new SoakSummary.CutWindow(0, 94.6, 114.8)], cuts);

        (string[] lost, string[] split) = SoakSummary.StartedAfresh(Directory.GetFiles(_dir, "h*.log").Order(StringComparer.Ordinal), cuts);

        Assert.Equal(["app-c", "app-b"], lost);
        Assert.Equal(["app-a"], split);
        // Without the cut, the same logs are two lost models more.
        Assert.Equal(["app-a", "app-c", "app-b"], SoakSummary.StartedAfresh(Directory.GetFiles(_dir, "h*.log").Order(StringComparer.Ordinal), []).Lost);
    }

    [Fact]
    public void A_finished_app_below_half_accuracy_or_without_one_counts_as_untrained_and_a_running_one_does_not()
    {
        SoakApp[] apps =
        [
            new("learned", 1, 0) { Finished = true, Accuracy = 0.7425 },
            new("on-nothing", 2, 0) { Finished = true, Accuracy = 0.0475 }, // the CI soak's app whose master had just restarted
            new("never-evaluated", 3, 0) { Finished = true },
            new("still-training", 4, 0) { Finished = false, Accuracy = 0.05 },
            new("at-the-bar", 5, 0) { Finished = true, Accuracy = SoakSummary.TrainedBar },
        ];

        Assert.Equal(["on-nothing (0.0475)", "never-evaluated (NaN)"], SoakSummary.Untrained(apps));
    }

    /// <summary>
    /// A failed soak prints what the host logs say of each app that did not finish: the app's own lines (not those of a
    /// longer name it prefixes), with the host's start markers that put them on the soak's clock, and only hosts that
    /// name it.
    /// </summary>
    [Fact]
    public void The_trace_of_an_unfinished_app_has_its_own_lines_and_each_hosts_clock_markers()
    {
        File.WriteAllText(Path.Combine(_dir, "h0.log"), """
            === soak: start 1 at 0.0 s
            10.000 INFO submitted app soak-1 (0123)
            11.000 INFO app soak-12: a node here is its master and starts round 1
            """);
        File.WriteAllText(Path.Combine(_dir, "h1.log"), """
            === soak: start 1 at 1.0 s
            === soak: stopped (SIGTERM) at 20.0 s
            === soak: start 2 at 27.6 s
            3.000 WARN app soak-1: a node here took over as master at round 0
            """);
        File.WriteAllText(Path.Combine(_dir, "h2.log"), """
            === soak: start 1 at 1.0 s
            5.000 INFO app soak-12 round 1/40: 16 of 16 updates, accuracy 0.5000, 1.00 s
            """);

        string trace = SoakTrace.Of(_dir, "soak-1");

        Assert.Equal(
            """
              h0.log:
                === soak: start 1 at 0.0 s
                10.000 INFO submitted app soak-1 (0123)
              h1.log:
                === soak: start 1 at 1.0 s
                === soak: stopped (SIGTERM) at 20.0 s
                === soak: start 2 at 27.6 s
                3.000 WARN app soak-1: a node here took over as master at round 0

            """.ReplaceLineEndings("\n"),
            trace.ReplaceLineEndings("\n"));
        Assert.Equal("  no host log names app soak-7\n", SoakTrace.Of(_dir, "soak-7"));
    }
}
