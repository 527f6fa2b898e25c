using System.Diagnostics;

namespace Totoro.Cli;

/// <summary>
/// A one-line progress bar on stderr, redrawn at most ten times a second. When stderr is not a terminal it
/// prints a plain line every few seconds instead, so logs stay readable.
/// </summary>
internal sealed class ProgressBar : IDisposable
{
    private const int Width = 30;
    private readonly TextWriter _writer;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw = -1;
    private string _lastPhase = "";
    private bool _drawn;

    public ProgressBar(TextWriter writer)
    {
        _writer = writer;
        _interactive = !Console.IsErrorRedirected;
    }

    public void Report(Totoro.Sim.Scenarios.SimProgress progress)
    {
        long now = _clock.ElapsedMilliseconds;
        bool phaseChanged = progress.Phase != _lastPhase;
        if (!phaseChanged && now - _lastDraw < (_interactive ? 100 : 5000))
            return;
        _lastDraw = now;
        _lastPhase = progress.Phase;
        double fraction = progress.Total <= 0 ? 1 : Math.Clamp((double)progress.Done / progress.Total, 0, 1);
        int filled = (int)(fraction * Width);
        string line = $"{progress.Phase,-8} [{new string('#', filled)}{new string('.', Width - filled)}] {fraction * 100,5:F1}%  {progress.Done:N0}/{progress.Total:N0}  {now / 1000.0:F0}s";
        if (_interactive)
        {
            _writer.Write("\r" + line);
            _drawn = true;
        }
        else
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose()
    {
        if (_drawn)
            _writer.WriteLine();
    }
}
