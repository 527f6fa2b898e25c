using System.Diagnostics;
using System.Globalization;
using Totoro.Net.Deploy;

namespace Totoro.Cli;

/// <summary>
/// `totoro deploy`'s progress on stderr. On a terminal: one line redrawn at most ten times a second (phase, hosts
/// done/failed/total, elapsed, time left at the pace so far), with each failure printed above it as it happens.
/// Redirected (a log, CI): one plain line per host and phase, no carriage returns. Notes (the summary) go to stdout.
/// </summary>
internal sealed class DeployProgress : IDeployProgress, IDisposable
{
    private readonly TextWriter _writer;
    private readonly TextWriter _notes;
    private readonly bool _interactive;
    private readonly Func<long> _clockMs;
    private readonly Lock _lock = new();
    private string _phase = "";
    private int _total;
    private int _done;
    private int _failed;
    private long _phaseStart;
    private long _lastDraw = long.MinValue;
    private int _drawnWidth; // characters of the bar on the terminal line now (0: the line is clean)

    /// <param name="interactive">Null: a terminal unless stderr is redirected.</param>
    /// <param name="clockMs">Milliseconds since the start (tests pass their own).</param>
    public DeployProgress(TextWriter writer, TextWriter notes, bool? interactive = null, Func<long>? clockMs = null)
    {
        _writer = writer;
        _notes = notes;
        _interactive = interactive ?? !Console.IsErrorRedirected;
        if (clockMs is null)
        {
            var watch = Stopwatch.StartNew();
            clockMs = () => watch.ElapsedMilliseconds;
        }

        _clockMs = clockMs;
    }

    public static DeployProgress ForConsole() => new(Console.Error, Console.Out);

    public void Phase(string name, int hosts)
    {
        lock (_lock)
        {
            EndLine();
            (_phase, _total, _done, _failed, _phaseStart) = (name, hosts, 0, 0, _clockMs());
            if (_interactive)
                Draw(force: true);
            else
                _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {hosts} hosts"));
        }
    }

    public void Done(string host, string detail)
    {
        lock (_lock)
        {
            _done++;
            if (_interactive)
                Draw(force: _done + _failed >= _total);
            else
                _writer.WriteLine($"{host}: {detail}");
        }
    }

    public void Failed(string host, string error)
    {
        lock (_lock)
        {
            _failed++;
            EndLine(erase: true);
            _writer.WriteLine($"{host}: FAILED: {error}");
            if (_interactive)
                Draw(force: true);
        }
    }

    public void Note(string line)
    {
        lock (_lock)
        {
            EndLine();
            _notes.WriteLine(line);
            _notes.Flush();
        }
    }

    public void Dispose()
    {
        lock (_lock)
            EndLine();
    }

    /// <summary>The bar's text: "upload  12/50 done, 1 failed  34s  ~1m left".</summary>
    internal string Line(long now)
    {
        double fraction = _total <= 0 ? 1 : Math.Clamp((double)(_done + _failed) / _total, 0, 1);
        return string.Create(CultureInfo.InvariantCulture,
            $"{_phase,-7} {_done}/{_total} done, {_failed} failed  {(now - _phaseStart) / 1000.0:F0}s{ProgressBar.TimeLeft(fraction, now - _phaseStart)}");
    }

    private void Draw(bool force)
    {
        long now = _clockMs();
        if (!force && now - _lastDraw < 100)
            return;
        _lastDraw = now;
        string line = Line(now);
        _writer.Write("\r" + line.PadRight(_drawnWidth));
        _drawnWidth = Math.Max(line.Length, _drawnWidth);
        _writer.Flush();
    }

    /// <summary>Leaves the bar's last frame on a line of its own (or, to print a failure, wipes it first).</summary>
    private void EndLine(bool erase = false)
    {
        if (_drawnWidth == 0)
            return;
        _writer.Write(erase ? "\r" + new string(' ', _drawnWidth) + "\r" : Environment.NewLine);
        _drawnWidth = 0;
    }
}
