using System.CommandLine;
using Totoro.Core.Planning;
using Totoro.Sim.Scenarios;
using FlowPlanning = Totoro.Core.Planning.PlanningOptions;

namespace Totoro.Cli;

/// <summary>
/// `totoro sim --planner P [--epsilon E]`: with --rounds, every node plans the forest's own flows with P (static,
/// bandit, game; `--plan-period-ms`); without, the path-planning game on a generated graph, the paper's synthetic
/// setting (`--packets K --planning-apps A --planning-workers W --planning-tree`, planners also e2e and nexthop).
/// </summary>
internal sealed class PlanningOptions
{
    private const int GraphNodes = 40;

    public Option<string?> Planner { get; } = new("--planner") { Description = "With --rounds: how nodes route the trees' flows (static, bandit or game). Without: run the synthetic planning-graph scenario (also e2e, nexthop)" };

    public Option<int> PeriodMs { get; } = new("--plan-period-ms") { Description = "With --rounds: a flow reconsiders its route or parent at most once per this period (jittered)", DefaultValueFactory = _ => FlowPlanning.DefaultDecisionPeriodMs };

    public Option<double> Epsilon { get; } = new("--epsilon") { Description = "The ε of the ε-Nash equilibrium: the synthetic graph's planners move for a gain above ε, the live forest's when they believe a gain above 0.9 ε (a tenth kept for estimation error)", DefaultValueFactory = _ => 0.05 };

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
        command.Options.Add(PeriodMs);
    }

    /// <summary>How nodes plan a training run's tree flows: null without --planner (Pastry's routes, today's runs).</summary>
    public FlowPlanning? ToLive(ParseResult parsed)
    {
        string? planner = parsed.GetValue(Planner);
        if (planner is null)
        {
            if (parsed.GetResult(PeriodMs) is { Implicit: false })
                throw new UsageException("--plan-period-ms needs --planner");
            return null;
        }

        Option[] graphOnly = [Packets, Apps, Workers, Tree];
        if (graphOnly.FirstOrDefault(o => parsed.GetResult(o) is { Implicit: false }) is { } given)
            throw new UsageException($"{given.Name} is for the synthetic planning graph (no --rounds); a training run plans its live tree flows");
        var options = new FlowPlanning { Planner = planner, Epsilon = parsed.GetValue(Epsilon), DecisionPeriodMicros = parsed.GetValue(PeriodMs) * 1000L };
        if (options.Validate() is [var problem, ..])
            throw new UsageException(parsed.GetValue(PeriodMs) <= 0 ? $"--plan-period-ms must be positive (got {parsed.GetValue(PeriodMs)})" : problem);
        return options;
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
            Option[] needPlanner = [Epsilon, Packets, Apps, Workers, Tree, PeriodMs];
            if (needPlanner.FirstOrDefault(o => parsed.GetResult(o) is { Implicit: false }) is { } given)
                throw new UsageException($"{given.Name} needs --planner");
            return null;
        }

        if (parsed.GetResult(PeriodMs) is { Implicit: false })
            throw new UsageException("--plan-period-ms is for a training run (--rounds): it plans live tree flows");
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
