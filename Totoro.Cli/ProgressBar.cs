using System.Diagnostics;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>
/// Progress on stderr. On a terminal: one line redrawn at most ten times a second, each phase left behind at 100%
/// when the next begins. Redirected (a log, a pipe, CI): plain lines with no carriage returns, one when a phase
/// starts, one every five seconds and one when it ends. Either way the work's last line says 100% once
/// <see cref="Complete"/> is called; a run that throws is not shown as done. Past its first second and first percent, a
/// phase also shows the time it has left at the pace it has kept so far.
/// </summary>
internal sealed class ProgressBar : IDisposable
{
    private const int Width = 30;
    private readonly TextWriter _writer;
    private readonly bool _interactive;
    private readonly Func<long> _clockMs;
    private long _lastDraw = long.MinValue;
    private long _phaseStart;
    private SimProgress? _current;
    private SimProgress? _shown; // the progress the last frame or line showed
    private int _drawnWidth; // characters of the frame on the terminal line now (0: the line is clean)

    /// <param name="interactive">Null: a terminal unless stderr is redirected.</param>
    /// <param name="clockMs">Milliseconds since the start (tests pass their own).</param>
    public ProgressBar(TextWriter writer, bool? interactive = null, Func<long>? clockMs = null)
    {
        _writer = writer;
        _interactive = interactive ?? !Console.IsErrorRedirected;
        if (clockMs is null)
        {
            var watch = Stopwatch.StartNew();
            clockMs = () => watch.ElapsedMilliseconds;
        }

        _clockMs = clockMs;
    }

    /// <summary>Runs <paramref name="work"/> with a bar on stderr (or none), completing the bar if the work returns.</summary>
    public static T Show<T>(bool show, Func<Action<SimProgress>?, T> work)
    {
        if (!show)
            return work(null);
        using var bar = new ProgressBar(Console.Error);
        T result = work(bar.Report);
        bar.Complete();
        return result;
    }

    public void Report(SimProgress progress)
    {
        long now = _clockMs();
        if (_current is { } previous && previous.Phase != progress.Phase)
        {
            Finish(previous, now); // a phase that hands over to the next has ended
            _lastDraw = long.MinValue;
        }

        bool starts = _current?.Phase != progress.Phase;
        if (starts)
            _phaseStart = now;
        _current = progress;
        if (starts || now - _lastDraw >= (_interactive ? 100 : 5000))
            Draw(progress, now);
    }

    /// <summary>The work is done: its last phase is shown at 100%.</summary>
    public void Complete()
    {
        if (_current is { } last)
            Finish(last, _clockMs());
        _current = null;
    }

    public void Dispose()
    {
        if (_drawnWidth > 0)
            _writer.WriteLine(); // a run that threw leaves its last frame as it was, on a line of its own
        _drawnWidth = 0;
    }

    private void Finish(SimProgress phase, long now)
    {
        long total = Math.Max(phase.Total, phase.Done);
        Draw(phase with { Done = total, Total = total }, now);
        if (_interactive)
        {
            _writer.WriteLine();
            _drawnWidth = 0;
        }
    }

    /// <summary>"  ~4m left": the phase's pace so far, once there is enough of it to go on (nothing at 100%).</summary>
    internal static string TimeLeft(double fraction, long phaseMs)
    {
        if (fraction is < 0.01 or >= 1 || phaseMs < 1000)
            return "";
        double seconds = phaseMs / 1000.0 * (1 - fraction) / fraction;
        return $"  ~{Duration(seconds)} left";
    }

    /// <summary>A short human duration: 45s, 12m, 3h05m.</summary>
    internal static string Duration(double seconds) => seconds switch
    {
        < 90 => $"{seconds:F0}s",
        < 5400 => $"{seconds / 60:F0}m",
        _ => $"{(long)(seconds / 3600)}h{(long)(seconds % 3600 / 60):D2}m",
    };

    private void Draw(SimProgress progress, long now)
    {
        _lastDraw = now;
        if (!_interactive && progress == _shown)
            return; // a log gets no line that says nothing new
        _shown = progress;
        double fraction = progress.Total <= 0 ? 1 : Math.Clamp((double)progress.Done / progress.Total, 0, 1);
        int filled = (int)(fraction * Width);
        string line = $"{progress.Phase,-8} [{new string('#', filled)}{new string('.', Width - filled)}] {fraction * 100,5:F1}%  {progress.Done:N0}/{progress.Total:N0}  {now / 1000.0:F0}s{TimeLeft(fraction, now - _phaseStart)}";
        if (!_interactive)
        {
            _writer.WriteLine(line);
            return;
        }

        // Pad over whatever a longer earlier frame left on the line.
        _writer.Write("\r" + line.PadRight(_drawnWidth));
        _drawnWidth = Math.Max(line.Length, _drawnWidth);
        _writer.Flush();
    }
}
