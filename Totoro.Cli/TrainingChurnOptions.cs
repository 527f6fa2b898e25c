using System.CommandLine;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>
/// `totoro sim --rounds R … --churn … | --kill-root-at-round K`: train while the overlay churns and/or with every
/// app's root crashed mid-round K. Session churn comes from <see cref="ChurnOptions"/>; this adds the root kill and
/// decides when a run is a training run under churn.
/// </summary>
internal sealed class TrainingChurnOptions
{
    public Option<int> KillRootAtRound { get; } = new("--kill-root-at-round") { Description = "Crash every app's root when round K's first update is on its way to it (needs --rounds; the replica holder takes over)", DefaultValueFactory = _ => 0 };

    public void AddTo(Command command) => command.Options.Add(KillRootAtRound);

    /// <summary>True when the root kill was asked for (then --timers may be given without --churn).</summary>
    public bool KillsRoots(ParseResult parsed) => parsed.GetValue(KillRootAtRound) != 0;

    /// <summary>
    /// The disturbances of a training run, or null when this is not one (no --rounds, or no churn and no kill);
    /// throws <see cref="UsageException"/> for a combination that makes no sense.
    /// </summary>
    public TrainingChurnSimConfig? ToConfig(ParseResult parsed, LearningSimConfig? training, ChurnSimConfig? churn, string timers)
    {
        int kill = parsed.GetValue(KillRootAtRound);
        if (training is null)
        {
            if (kill != 0)
                throw new UsageException("--kill-root-at-round needs training: add --rounds R");
            return null;
        }

        if (churn is null && kill == 0)
            return null;
        var config = new TrainingChurnSimConfig { Churn = churn, KillRootAtRound = kill, Timers = timers };
        IReadOnlyList<string> problems = config.Validate(training);
        if (problems.Count > 0)
            throw new UsageException(problems[0]);
        return config;
    }
}
