using System.CommandLine;
using Totoro.Core.Planning;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>
/// `totoro sim --planner P [--epsilon E] [--packets K] [--planning-apps A] [--planning-workers W] [--planning-tree]`:
/// also run the path-planning game scenario.
/// </summary>
internal sealed class PlanningOptions
{
    private const int GraphNodes = 40;

    public Option<string?> Planner { get; } = new("--planner") { Description = "Also run the path-planning scenario with this planner: static, bandit, e2e, nexthop or game" };

    public Option<double> Epsilon { get; } = new("--epsilon") { Description = "Relative gain a player needs to move (game planner)", DefaultValueFactory = _ => 0.05 };

    public Option<int> Packets { get; } = new("--packets") { Description = "Rounds (packets per flow) of the planning scenario", DefaultValueFactory = _ => 1000 };

    public Option<int> Apps { get; } = new("--planning-apps") { Description = "Apps whose flows share the planning graph's links", DefaultValueFactory = _ => 5 };

    public Option<int> Workers { get; } = new("--planning-workers") { Description = "Workers per app in the planning scenario", DefaultValueFactory = _ => 4 };

    public Option<bool> Tree { get; } = new("--planning-tree") { Description = "Each app is a fanout-2 tree moving the model down and updates up every edge (default: workers send to the master)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Planner);
        command.Options.Add(Epsilon);
        command.Options.Add(Packets);
        command.Options.Add(Apps);
        command.Options.Add(Workers);
        command.Options.Add(Tree);
    }

    /// <summary>The planning config, null without --planner; throws <see cref="UsageException"/> naming a bad option.</summary>
    public PlanningSimConfig? ToConfig(ParseResult parsed, ulong seed)
    {
        string? planner = parsed.GetValue(Planner);
        double epsilon = parsed.GetValue(Epsilon);
        int packets = parsed.GetValue(Packets);
        int apps = parsed.GetValue(Apps);
        int workers = parsed.GetValue(Workers);
        if (planner is null)
        {
            Option[] needPlanner = [Epsilon, Packets, Apps, Workers, Tree];
            if (needPlanner.FirstOrDefault(o => parsed.GetResult(o) is { Implicit: false }) is { } given)
                throw new UsageException($"{given.Name} needs --planner");
            return null;
        }

        if (!PlannerKind.Names.Contains(planner))
            throw new UsageException($"--planner must be one of {string.Join(", ", PlannerKind.Names)} (got '{planner}')");
        if (!double.IsFinite(epsilon) || epsilon < 0 || epsilon >= 1)
            throw new UsageException($"--epsilon must be in [0, 1) (got {epsilon})");
        if (packets <= 0)
            throw new UsageException($"--packets must be a positive count (got {packets})");
        if (apps <= 0)
            throw new UsageException($"--planning-apps must be a positive count (got {apps})");
        if (workers is <= 0 or >= GraphNodes)
            throw new UsageException($"--planning-workers must be in 1..{GraphNodes - 1}, the planning graph has {GraphNodes} nodes (got {workers})");
        return new PlanningSimConfig(seed, planner, epsilon, packets, Nodes: GraphNodes, Apps: apps, FlowsPerApp: workers, Trees: parsed.GetValue(Tree));
    }
}
