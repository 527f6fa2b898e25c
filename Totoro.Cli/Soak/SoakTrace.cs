using System.Text;

namespace Totoro.Cli.Soak;

/// <summary>
/// What each host's log says of an app the soak did not see finish, so that a failed run (in CI, whose folders are
/// gone afterwards) shows where the app stood: who submitted, took over, started it, and its last rounds.
/// </summary>
internal static class SoakTrace
{
    /// <summary>Lines kept per host and app: the last ones, where an app that stopped moving stopped.</summary>
    public const int LinesPerHost = 25;

    /// <summary>The lines of every host log under <paramref name="logDir"/> that name <paramref name="app"/>, by host.</summary>
    public static string Of(string logDir, string app)
    {
        var trace = new StringBuilder();
        string needle = $"app {app}";
        foreach (string file in Directory.EnumerateFiles(logDir, "h*.log").Order(StringComparer.Ordinal))
        {
            // A host's own markers (=== soak: start/killed/stopped) give its clock's zero for the lines after them.
            List<string> lines = [.. File.ReadLines(file).Where(l => l.StartsWith("===", StringComparison.Ordinal) || ContainsApp(l, needle))];
            if (!lines.Any(l => ContainsApp(l, needle)))
                continue;
            trace.AppendLine($"  {Path.GetFileNameWithoutExtension(file)}.log:");
            foreach (string line in lines.TakeLast(LinesPerHost))
                trace.AppendLine($"    {line}");
        }

        return trace.Length == 0 ? $"  no host log names {needle}\n" : trace.ToString();
    }

    /// <summary>The app's own name, not a longer one it prefixes (soak-1 in soak-12).</summary>
    private static bool ContainsApp(string line, string needle)
    {
        int at = line.IndexOf(needle, StringComparison.Ordinal);
        while (at >= 0)
        {
            int end = at + needle.Length;
            if (end == line.Length || !char.IsAsciiLetterOrDigit(line[end]) && line[end] != '-')
                return true;
            at = line.IndexOf(needle, end, StringComparison.Ordinal);
        }

        return false;
    }
}
