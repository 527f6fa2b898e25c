using System.Globalization;

namespace Totoro.Net.Hosting;

/// <summary>Levelled log lines on a writer (stderr by default): "12.345 INFO message", seconds since host start.</summary>
public sealed class HostLog(LogLevel level, TextWriter? writer = null)
{
    private readonly TextWriter _writer = writer ?? Console.Error;
    private readonly Lock _lock = new();

    public LogLevel Level { get; } = level;

    /// <summary>The clock the lines are stamped with (µs); the host sets it.</summary>
    public Func<long> Clock { get; set; } = () => 0;

    public bool IsEnabled(LogLevel level) => level <= Level;

    public void Error(string message) => Write(LogLevel.Error, message);

    public void Warn(string message) => Write(LogLevel.Warn, message);

    public void Info(string message) => Write(LogLevel.Info, message);

    public void Debug(string message) => Write(LogLevel.Debug, message);

    public static bool TryParse(string text, out LogLevel level) => Enum.TryParse(text, ignoreCase: true, out level) && Enum.IsDefined(level);

    private void Write(LogLevel level, string message)
    {
        if (level > Level)
            return;
        string line = string.Create(CultureInfo.InvariantCulture, $"{Clock() / 1e6:F3} {level.ToString().ToUpperInvariant()} {message}");
        lock (_lock)
        {
            try
            {
                _writer.WriteLine(line);
                _writer.Flush();
            }
            catch (IOException)
            {
                // A full disk under a redirected log: the line is lost, never the handler that wrote it (an exception
                // here would end, half done, whatever the node was doing, such as starting an app's first round).
                Interlocked.Increment(ref _linesDropped);
            }
        }
    }

    private long _linesDropped;

    /// <summary>Lines the writer did not take (its disk full, its pipe gone).</summary>
    public long LinesDropped => Interlocked.Read(ref _linesDropped);
}
