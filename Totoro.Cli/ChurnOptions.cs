using System.CommandLine;
using Totoro.Sim.Churn;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>
/// `totoro sim --churn exp|pareto|weibull|trace:FILE --mean-session S [--fail-fraction F --fail-trees T]`: session
/// churn with lookups and/or a failure burst in the forest, reported in a `churn` section.
/// </summary>
internal sealed class ChurnOptions
{
    public Option<string?> Churn { get; } = new("--churn") { Description = "Session churn: exp, pareto or weibull session lengths, or trace:FILE (CSV time,node,join|leave|fail)" };

    public Option<double?> MeanSession { get; } = new("--mean-session") { Description = "Mean session length in seconds (with --churn exp|pareto|weibull)" };

    public Option<double?> MeanDowntime { get; } = new("--mean-downtime") { Description = "Mean time before a departed node is replaced by a fresh one, seconds (default: at once)" };

    public Option<double> ChurnDuration { get; } = new("--churn-duration") { Description = "Simulated seconds of churn; --lookups are spread over them", DefaultValueFactory = _ => 3600 };

    public Option<double> LeaveFraction { get; } = new("--leave-fraction") { Description = "Share of departures that leave gracefully (the rest crash)", DefaultValueFactory = _ => 0 };

    public Option<double?> FailFraction { get; } = new("--fail-fraction") { Description = "Failure burst: fraction of each hit tree's nodes that crash at once" };

    public Option<int> FailTrees { get; } = new("--fail-trees") { Description = "Failure burst: number of trees hit at once (needs --apps)", DefaultValueFactory = _ => 0 };

    public Option<bool> FailRoots { get; } = new("--fail-roots") { Description = "Failure burst: crash each hit tree's root too (fail-over to its replica)" };

    public Option<string> Timers { get; } = new("--timers") { Description = "Repair timers: freepastry (leaf-set ping 20 s, lease 30 s) or paper (8 s, 10 s); RT maintenance 900 s", DefaultValueFactory = _ => "freepastry" };

    public void AddTo(Command command)
    {
        command.Options.Add(Churn);
        command.Options.Add(MeanSession);
        command.Options.Add(MeanDowntime);
        command.Options.Add(ChurnDuration);
        command.Options.Add(LeaveFraction);
        command.Options.Add(FailFraction);
        command.Options.Add(FailTrees);
        command.Options.Add(FailRoots);
        command.Options.Add(Timers);
    }

    /// <summary>The churn config, null when neither --churn nor --fail-trees was given; throws <see cref="UsageException"/> naming a bad option.</summary>
    /// <param name="killsRoots">A training run's root kill (--kill-root-at-round) was asked for: --timers applies to it.</param>
    public ChurnSimConfig? ToConfig(ParseResult parsed, int nodes, int apps, bool killsRoots = false)
    {
        string? churn = parsed.GetValue(Churn);
        int failTrees = parsed.GetValue(FailTrees);
        if (churn is null && failTrees == 0)
        {
            foreach (Option option in new Option[] { MeanSession, MeanDowntime, ChurnDuration, LeaveFraction, FailFraction, FailRoots, Timers })
            {
                if (parsed.GetResult(option) is { Implicit: false } && !(killsRoots && option == Timers))
                    throw new UsageException($"{option.Name} needs --churn or --fail-trees{(option == Timers ? " (or --kill-root-at-round)" : "")}");
            }

            return null;
        }

        double? meanSession = parsed.GetValue(MeanSession);
        double? meanDowntime = parsed.GetValue(MeanDowntime);
        ISessionDistribution? sessions = null;
        ISessionDistribution? downtimes = null;
        IReadOnlyList<ChurnEvent>? trace = null;
        string? traceName = null;
        try
        {
            if (churn is not null && churn.StartsWith("trace:", StringComparison.Ordinal))
            {
                traceName = churn["trace:".Length..];
                if (traceName.Length == 0)
                    throw new UsageException("--churn trace:FILE needs a file name after trace:");
                if (!File.Exists(traceName))
                    throw new UsageException($"--churn trace file '{traceName}' does not exist");
                trace = ChurnTraceReader.Read(traceName);
            }
            else if (churn is not null)
            {
                if (!SessionDistributions.Names.Contains(churn))
                    throw new UsageException($"--churn must be exp, pareto, weibull or trace:FILE (got '{churn}')");
                if (meanSession is null)
                    throw new UsageException($"--churn {churn} needs --mean-session SECONDS");
                sessions = SessionDistributions.Create(churn, meanSession.Value);
                if (meanDowntime is { } down)
                    downtimes = SessionDistributions.Create(churn, down);
            }
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--mean-session/--mean-downtime: {e.Message.Split(" (Parameter")[0]}");
        }

        var config = new ChurnSimConfig
        {
            Sessions = sessions,
            Downtimes = downtimes,
            Trace = trace,
            TraceName = traceName,
            DurationSeconds = parsed.GetValue(ChurnDuration),
            LeaveFraction = parsed.GetValue(LeaveFraction),
            FailFraction = parsed.GetValue(FailFraction) ?? 0.05,
            FailTrees = failTrees,
            FailRoots = parsed.GetValue(FailRoots),
            Timers = parsed.GetValue(Timers) ?? "freepastry",
        };
        IReadOnlyList<string> problems = config.Validate(nodes, apps);
        if (problems.Count > 0)
            throw new UsageException(problems[0]);
        return config;
    }

    /// <summary>The overlay with the churn run's repair timers (and hop acks on).</summary>
    public static OverlaySimConfig WithTimers(OverlaySimConfig overlay, ChurnSimConfig churn) => overlay with
    {
        Pastry = churn.Timers == "paper" ? overlay.Pastry.WithPaperFailureTimers() : overlay.Pastry.WithFreePastryTimers(),
    };

    /// <summary>Exit 0 only if no model was lost, every hit tree healed and the round after repair reached everyone.</summary>
    public static bool Succeeded(ChurnSection churn)
        => churn.ModelsLost is null or 0
            && churn.TreesRecovered == churn.TreesMeasured
            && churn.RoundAfterRepairDelivered == churn.RoundAfterRepairExpected;
}
