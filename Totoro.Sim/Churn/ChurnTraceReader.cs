using System.Globalization;

namespace Totoro.Sim.Churn;

/// <summary>
/// Reads a churn trace: one event per line, <c>time,node,event</c> with time in seconds (non-decreasing), node a
/// non-negative integer and event one of join, leave, fail. An optional header line <c>time,node,event</c>, blank
/// lines and lines starting with # are skipped. Any other line is rejected with its line number and the fix.
/// </summary>
/// <remarks>
/// Three plain fields with no quoting, read by hand rather than through CsvHelper: every rejection must name the
/// line and say what a good line looks like, and a typed record reader cannot say that.
/// </remarks>
public static class ChurnTraceReader
{
    private const string Expected = "expected `time,node,event` with time in seconds, node a non-negative integer, event join, leave or fail";

    public static IReadOnlyList<ChurnEvent> Read(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Parses a trace; <paramref name="source"/> names it in error messages.</summary>
    public static IReadOnlyList<ChurnEvent> Read(TextReader reader, string source)
    {
        var events = new List<ChurnEvent>();
        int lineNumber = 0;
        double last = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            string text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
                continue;
            if (events.Count == 0 && text.Replace(" ", "", StringComparison.Ordinal).Equals("time,node,event", StringComparison.OrdinalIgnoreCase))
                continue;
            string[] fields = text.Split(',');
            if (fields.Length != 3)
                throw Bad(source, lineNumber, $"{fields.Length} fields in '{text}'");
            if (!double.TryParse(fields[0].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double time) || !double.IsFinite(time) || time < 0)
                throw Bad(source, lineNumber, $"time '{fields[0].Trim()}' is not a non-negative number of seconds");
            if (time < last)
                throw Bad(source, lineNumber, $"time {fields[0].Trim()} is earlier than the line before ({last.ToString(CultureInfo.InvariantCulture)}); sort the trace by time");
            if (!int.TryParse(fields[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int node))
                throw Bad(source, lineNumber, $"node '{fields[1].Trim()}' is not a non-negative integer");
            ChurnEventKind kind = fields[2].Trim().ToLowerInvariant() switch
            {
                "join" => ChurnEventKind.Join,
                "leave" => ChurnEventKind.Leave,
                "fail" => ChurnEventKind.Fail,
                _ => throw Bad(source, lineNumber, $"event '{fields[2].Trim()}' is not join, leave or fail"),
            };
            last = time;
            events.Add(new ChurnEvent(time, node, kind));
        }

        return events;
    }

    private static FormatException Bad(string source, int line, string problem)
        => new($"churn trace {source}, line {line}: {problem} ({Expected})");
}
