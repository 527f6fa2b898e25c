namespace Totoro.Cli.Tests;

/// <summary>Deploy's progress: one redrawn line on a terminal with failures above it, plain per-host lines in a log.</summary>
public class DeployProgressTests
{
    private long _now;

    [Fact]
    public void A_terminal_shows_one_line_per_phase_with_done_failed_total_elapsed_and_time_left_and_failures_above_it()
    {
        var writer = new StringWriter();
        var notes = new StringWriter();
        using (var progress = new DeployProgress(writer, notes, interactive: true, clockMs: () => _now))
        {
            progress.Phase("upload", 4);
            _now = 2000;
            progress.Done("h1", "uploaded: sent 63/63 files");
            Assert.EndsWith("upload  1/4 done, 0 failed  2s  ~6s left", ProgressBarTests.Screen(writer.ToString())[^1]); // 3 to go at 2 s each
            _now = 3000;
            progress.Failed("h3", "host h3 (10.0.0.3:22): cannot connect");
            _now = 4000;
            progress.Done("h2", "uploaded");
            _now = 5000;
            progress.Done("h4", "uploaded");
            progress.Phase("join", 3);
            _now = 6000;
            for (int i = 0; i < 3; i++)
                progress.Done($"h{i}", "up");
            progress.Note("3/4 hosts up after 6.0 s");
        }

        List<string> screen = [.. ProgressBarTests.Screen(writer.ToString()).Select(l => l.TrimEnd())];
        Assert.Equal(["h3: FAILED: host h3 (10.0.0.3:22): cannot connect", "upload  3/4 done, 1 failed  5s", "join    3/3 done, 0 failed  1s"], screen);
        Assert.Equal("3/4 hosts up after 6.0 s", notes.ToString().Trim()); // the summary goes to stdout, not into the bar
    }

    [Fact]
    public void A_log_gets_plain_lines_per_host_and_phase_and_no_carriage_returns()
    {
        var writer = new StringWriter();
        using (var progress = new DeployProgress(writer, new StringWriter(), interactive: false, clockMs: () => _now))
        {
            progress.Phase("down", 2);
            progress.Done("h1", "pid 7 left gracefully in 0.2 s");
            progress.Failed("h2", "host h2 (10.0.0.2:22): cannot connect");
        }

        Assert.DoesNotContain('\r', writer.ToString());
        Assert.Equal(["down: 2 hosts", "h1: pid 7 left gracefully in 0.2 s", "h2: FAILED: host h2 (10.0.0.2:22): cannot connect"], writer.ToString().Trim().Split(Environment.NewLine));
    }
}
