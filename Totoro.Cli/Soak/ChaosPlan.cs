namespace Totoro.Cli.Soak;

internal enum ChaosKind
{
    /// <summary>`kill -9` of the host's process, restarted with the same --data-dir after <see cref="ChaosEvent.Seconds"/>.</summary>
    Kill,

    /// <summary>SIGTERM (a graceful leave), restarted after <see cref="ChaosEvent.Seconds"/>.</summary>
    Leave,

    /// <summary>The host's namespace cut off from the bridge for <see cref="ChaosEvent.Seconds"/>, then reconnected.</summary>
    Cut,
}

/// <summary>
/// One thing the soak does to a host at <paramref name="At"/> seconds into the run. A kill aimed at a root
/// (<paramref name="AtRoot"/>) hits the host of a training app's master, found when it happens; <paramref name="Host"/>
/// is the one hit when no app is training then.
/// </summary>
internal sealed record ChaosEvent(double At, ChaosKind Kind, int Host, double Seconds, bool AtRoot = false);

/// <summary>
/// The seeded chaos schedule, drawn before the run so the same seed throws the same events: kills and leaves every
/// MIN–MAX seconds at a host that is up then, half the kills at an app's master; cuts spread evenly over the run. A
/// host is never hit while it is down, cut off or still settling after either.
/// </summary>
internal static class ChaosPlan
{
    private const double MinDownSeconds = 3;
    private const double MaxDownSeconds = 10;

    public static IReadOnlyList<ChaosEvent> Draw(SoakOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new Random(unchecked((int)options.Seed ^ (int)(options.Seed >> 32) ^ 0x50a6));
        double duration = options.Minutes * 60;
        var events = new List<ChaosEvent>();
        var busyUntil = new double[options.Hosts]; // down or cut off until then

        var cuts = new List<ChaosEvent>();
        for (int k = 0; k < options.Cuts; k++)
        {
            double at = duration * (k + 1) / (options.Cuts + 1);
            int host = random.Next(options.Hosts);
            cuts.Add(new ChaosEvent(at, ChaosKind.Cut, host, options.CutSeconds));
        }

        double t = Uniform(random, options.ChaosMinSeconds, options.ChaosMaxSeconds);
        int cut = 0;
        while (t < duration)
        {
            // Cuts due before this kill take their hosts first.
            for (; cut < cuts.Count && cuts[cut].At <= t; cut++)
                Place(cuts[cut]);
            bool kill = random.NextDouble() < 2.0 / 3;
            bool atRoot = kill && random.NextDouble() < 0.5;
            double down = Uniform(random, MinDownSeconds, MaxDownSeconds);
            int host = PickUp(random, busyUntil, t);
            if (host >= 0)
                Place(new ChaosEvent(t, kill ? ChaosKind.Kill : ChaosKind.Leave, host, down, atRoot));
            t += Uniform(random, options.ChaosMinSeconds, options.ChaosMaxSeconds);
        }

        for (; cut < cuts.Count; cut++)
            Place(cuts[cut]);
        return [.. events.OrderBy(e => e.At)];

        void Place(ChaosEvent e)
        {
            if (busyUntil[e.Host] > e.At) // the cut's host is down then: take the next one that is up
            {
                int other = PickUp(random, busyUntil, e.At);
                if (other < 0)
                    return;
                e = e with { Host = other };
            }

            busyUntil[e.Host] = e.At + e.Seconds + options.SettleSeconds;
            events.Add(e);
        }
    }

    private static int PickUp(Random random, double[] busyUntil, double at)
    {
        int[] up = [.. Enumerable.Range(0, busyUntil.Length).Where(h => busyUntil[h] <= at)];
        return up.Length == 0 ? -1 : up[random.Next(up.Length)];
    }

    private static double Uniform(Random random, double low, double high) => low + (random.NextDouble() * (high - low));
}
