using System.Diagnostics;
using System.Globalization;

namespace Totoro.Cli.Soak;

/// <summary>
/// What the soak's threads share: the hosts and their states (changed only by the chaos thread, under the lock), the
/// soak's clock, and a log of what happened (printed and kept for the summary).
/// </summary>
internal sealed class SoakState(SoakOptions options, SoakHosts hosts, TextWriter progress)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _notes = [];

    public Lock Lock { get; } = new();

    public SoakHosts Hosts { get; } = hosts;

    public SoakOptions Options { get; } = options;

    /// <summary>Seconds since the soak began (the hosts' start).</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    public IReadOnlyList<string> Notes
    {
        get
        {
            lock (_notes)
                return [.. _notes];
        }
    }

    /// <summary>A host that has been up long enough to be known everywhere, or null when none is.</summary>
    public SoakHost? RandomSettled(Random random)
    {
        lock (Lock)
        {
            double now = Now;
            SoakHost[] settled = [.. Hosts.All.Where(h => h.SettledAt(now, Options.SettleSeconds))];
            return settled.Length == 0 ? null : settled[random.Next(settled.Length)];
        }
    }

    public void Note(string line)
    {
        string stamped = string.Create(CultureInfo.InvariantCulture, $"{Now,7:F1} s  {line}");
        lock (_notes)
            _notes.Add(stamped);
        lock (progress)
            progress.WriteLine(stamped);
    }
}
