using Totoro.Cli.Soak;

namespace Totoro.Cli.Tests;

/// <summary>The soak's check that a finished app learned something: its rounds got updates.</summary>
public class SoakSummaryTests
{
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
}
