using System.Text;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Tests;

/// <summary>Issue 18: progress leaves no stale frames, writes plain lines to a log, and ends at 100% when the work does.</summary>
public class ProgressBarTests
{
    private long _now;

    private ProgressBar Bar(StringWriter writer, bool interactive) => new(writer, interactive, () => _now);

    /// <summary>What a terminal shows: '\r' returns to the start of the line and later characters overwrite earlier ones.</summary>
    internal static List<string> Screen(string written)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        int column = 0;
        foreach (char c in written)
        {
            switch (c)
            {
                case '\r':
                    column = 0;
                    break;
                case '\n':
                    lines.Add(line.ToString());
                    line.Clear();
                    column = 0;
                    break;
                default:
                    if (column < line.Length)
                        line[column] = c;
                    else
                        line.Append(c);
                    column++;
                    break;
            }
        }

        if (line.Length > 0)
            lines.Add(line.ToString());
        return lines;
    }

    [Fact]
    public void A_terminal_ends_every_phase_at_100_percent_with_no_stale_characters()
    {
        var writer = new StringWriter();
        using (ProgressBar bar = Bar(writer, interactive: true))
        {
            // A long phase name, then a shorter one with shorter counts: its frames are narrower than the last one drawn.
            for (int done = 0; done <= 97_000; done += 1000, _now += 30)
                bar.Report(new SimProgress("subscribing", done, 100_000));
            for (int done = 0; done <= 39; done++, _now += 30)
                bar.Report(new SimProgress("training", done, 100));
            bar.Complete();
        }

        List<string> screen = Screen(writer.ToString());
        Assert.Equal(2, screen.Count);
        Assert.StartsWith("subscribing [##############################] 100.0%  100,000/100,000", screen[0]);
        Assert.StartsWith("training [##############################] 100.0%  100/100", screen[1]);
        Assert.Matches(@"100/100  \d+s *$", screen[1]); // nothing of the wider frames before it is left over
    }

    [Fact]
    public void A_log_gets_plain_lines_now_and_then_and_a_last_one_at_100_percent()
    {
        var writer = new StringWriter();
        using (ProgressBar bar = Bar(writer, interactive: false))
        {
            for (int done = 0; done < 97; done++, _now += 1000)
                bar.Report(new SimProgress("joining", done, 100));
            bar.Complete();
        }

        string text = writer.ToString();
        Assert.DoesNotContain('\r', text);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 3, 25); // every five seconds of the 97, not every report
        Assert.StartsWith("joining  [..............................]   0.0%  0/100", lines[0]);
        Assert.StartsWith("joining  [##############################] 100.0%  100/100", lines[^1]);
    }

    [Fact]
    public void A_log_shows_each_phase_ending_when_the_next_begins()
    {
        var writer = new StringWriter();
        using (ProgressBar bar = Bar(writer, interactive: false))
        {
            bar.Report(new SimProgress("joining", 1, 2000));
            bar.Report(new SimProgress("joining", 1500, 2000));
            bar.Report(new SimProgress("lookups", 10, 500));
            bar.Report(new SimProgress("lookups", 500, 500));
            bar.Complete();
        }

        string[] lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["joining 0.1%", "joining 100.0%", "lookups 2.0%", "lookups 100.0%"],
            lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is var words ? $"{words[0]} {words[2]}" : ""));
    }

    [Fact]
    public void Work_that_throws_is_not_shown_as_done()
    {
        var writer = new StringWriter();
        using (ProgressBar bar = Bar(writer, interactive: true))
            bar.Report(new SimProgress("joining", 40, 100));
        List<string> screen = Screen(writer.ToString());
        Assert.Contains(" 40.0%", Assert.Single(screen));
        Assert.EndsWith("\n", writer.ToString()); // the cursor is on a clean line for the error that follows
    }

    [Fact]
    public void A_long_phase_shows_the_time_it_has_left_at_its_pace_so_far()
    {
        var writer = new StringWriter();
        using (ProgressBar bar = Bar(writer, interactive: false))
        {
            _now = 7_000; // an earlier phase took 7 s: the estimate runs from this phase's own start
            bar.Report(new SimProgress("joining", 0, 1000));
            _now += 10_000;
            bar.Report(new SimProgress("joining", 250, 1000)); // a quarter in 10 s: three quarters take 30 s more
            _now += 5_000;
            bar.Report(new SimProgress("joining", 500, 1000)); // half in 15 s: 15 s more
            bar.Complete();
        }

        string[] lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain("left", lines[0]); // nothing to go on yet
        Assert.EndsWith("~30s left", lines[1]);
        Assert.EndsWith("~15s left", lines[2]);
        Assert.DoesNotContain("left", lines[^1]); // done
    }

    [Theory]
    [InlineData(45, "45s")]
    [InlineData(720, "12m")]
    [InlineData(11_100, "3h05m")]
    public void Durations_read_as_seconds_minutes_or_hours(double seconds, string expected)
        => Assert.Equal(expected, ProgressBar.Duration(seconds));
}
