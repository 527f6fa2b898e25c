using System.CommandLine;
using Totoro.Core.Planning;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>`totoro sim --planner P [--epsilon E] [--packets K]`: also run the path-planning game scenario.</summary>
internal sealed class PlanningOptions
{
    public Option<string?> Planner { get; } = new("--planner") { Description = "Also run the path-planning scenario with this planner: static, bandit, e2e, nexthop or game" };

    public Option<double> Epsilon { get; } = new("--epsilon") { Description = "Relative gain a player needs to move (game planner)", DefaultValueFactory = _ => 0.05 };

    public Option<int> Packets { get; } = new("--packets") { Description = "Rounds (packets per flow) of the planning scenario", DefaultValueFactory = _ => 1000 };

    public void AddTo(Command command)
    {
        command.Options.Add(Planner);
        command.Options.Add(Epsilon);
        command.Options.Add(Packets);
    }

    /// <summary>The planning config, null without --planner; throws <see cref="UsageException"/> naming a bad option.</summary>
    public PlanningSimConfig? ToConfig(ParseResult parsed, ulong seed)
    {
        string? planner = parsed.GetValue(Planner);
        double epsilon = parsed.GetValue(Epsilon);
        int packets = parsed.GetValue(Packets);
        if (planner is null)
        {
            if (parsed.GetResult(Epsilon) is { Implicit: false } || parsed.GetResult(Packets) is { Implicit: false })
                throw new UsageException("--epsilon and --packets need --planner");
            return null;
        }

        if (!PlannerKind.Names.Contains(planner))
            throw new UsageException($"--planner must be one of {string.Join(", ", PlannerKind.Names)} (got '{planner}')");
        if (!double.IsFinite(epsilon) || epsilon < 0 || epsilon >= 1)
            throw new UsageException($"--epsilon must be in [0, 1) (got {epsilon})");
        if (packets <= 0)
            throw new UsageException($"--packets must be a positive count (got {packets})");
        return new PlanningSimConfig(seed, planner, epsilon, packets);
    }
}
