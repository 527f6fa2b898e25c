using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Totoro.Cli;

/// <summary>
/// The one line printed for a command line that does not parse: an unknown verb is named (with the closest
/// command), a missing one lists the choices, and every message points at the help page of the full command path.
/// </summary>
internal static partial class UsageErrors
{
    public static string Describe(ParseResult parsed)
    {
        CommandResult result = parsed.CommandResult;
        Command command = result.Command;
        string path = CommandPath(result);
        string help = $"(see `{path} --help`)";
        string[] verbs = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToArray();
        if (verbs.Length > 0 && command.Action is null)
        {
            // A command that only groups others: what follows it must be one of them.
            string commands = string.Join(", ", verbs);
            if (parsed.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-')) is { } verb)
            {
                // A verb of a command one level down ('submit' for 'app submit') is named with its full path first.
                string[] nested = command.Subcommands.Where(c => !c.Hidden)
                    .SelectMany(c => c.Subcommands.Where(s => !s.Hidden && s.Name == verb).Select(s => $"'{c.Name} {s.Name}'"))
                    .ToArray();
                string suggestion = nested.Length > 0 ? $" (did you mean {string.Join(" or ", nested)}?)"
                    : Closest(verb, verbs) is { } near ? $" (did you mean '{near}'?)"
                    : "";
                return $"unknown command '{verb}'{suggestion}; `{path}` commands: {commands} {help}";
            }

            string stray = parsed.UnmatchedTokens.FirstOrDefault() is { } option ? $"unknown option '{option}'; " : "";
            return $"{stray}`{path}` needs a command: {commands} {help}";
        }

        return $"{Plain(parsed.Errors[0].Message)} {help}";
    }

    /// <summary>
    /// The parser's message with a value that is not of the option's type said in words ("--seed: '-1' is not a
    /// whole number, 0 or more") rather than as a .NET type name (System.Nullable`1[System.Double]).
    /// </summary>
    public static string Plain(string message)
    {
        Match m = CannotParse().Match(message);
        if (!m.Success)
            return message;
        string type = m.Groups["type"].Value;
        string? expected = type.Contains("System.UInt", StringComparison.Ordinal) || type.Contains("System.Byte", StringComparison.Ordinal) ? "a whole number, 0 or more"
            : type.Contains("System.Int", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("System.Double", StringComparison.Ordinal) || type.Contains("System.Single", StringComparison.Ordinal) ? "a number"
            : type.Contains("System.Boolean", StringComparison.Ordinal) ? "true or false"
            : null;
        return expected is null ? message : $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not {expected}";
    }

    /// <summary>"totoro app submit" for the command the parser stopped at.</summary>
    public static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (CommandResult? at = result; at is not null; at = at.Parent as CommandResult)
            names.Add(at.Parent is null ? "totoro" : at.Command.Name); // the root's own name is the host's file name
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>
    /// The command a mistyped verb most likely meant: one that starts the word or that the word starts
    /// ('simulate' → 'sim'), else one within a few edits ('expirement' → 'experiment'); null when none is close.
    /// </summary>
    public static string? Closest(string word, IReadOnlyList<string> candidates)
    {
        string lower = word.ToLowerInvariant();
        string? prefixed = candidates
            .Where(c => lower.StartsWith(c, StringComparison.Ordinal) || c.StartsWith(lower, StringComparison.Ordinal))
            .MaxBy(c => Math.Min(c.Length, lower.Length));
        if (prefixed is not null)
            return prefixed;
        (string Name, int Distance) best = candidates.Select(c => (c, Distance(lower, c))).MinBy(p => p.Item2);
        return best.Name is not null && best.Distance <= Math.Max(1, best.Name.Length / 3) ? best.Name : null;
    }

    /// <summary>Levenshtein distance (insertions, deletions, substitutions).</summary>
    private static int Distance(string a, string b)
    {
        int[] previous = Enumerable.Range(0, b.Length + 1).ToArray();
        int[] current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    [GeneratedRegex("^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\\.?$")]
    private static partial Regex CannotParse();
}
