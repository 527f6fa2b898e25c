namespace Totoro.Core.Planning;

/// <summary>How a node plans its flows: which planner, the ε a move must gain, and how often a flow may reconsider.</summary>
public sealed record PlanningOptions
{
    public static readonly PlanningOptions Static = new();

    /// <summary>static (Pastry's route), bandit (EuroSys, per flow, load-blind) or game (Totoro+).</summary>
    public string Planner { get; init; } = "static";

    /// <summary>
    /// The ε of the ε-approximate Nash equilibrium the planners aim at: at the end no player can gain more than ε on the
    /// true costs. A player moves when it believes it gains more than <see cref="MoveThreshold"/>, a little less.
    /// </summary>
    public double Epsilon { get; init; } = 0.05;

    /// <summary>
    /// The relative gain a player must believe before it moves: ε less <see cref="EstimateMargin"/> of it. A planner
    /// that moved at ε itself stopped with its players just under ε on its estimates, and the estimates' own error
    /// (within 0.0007 of the true gain for every player above 0.03 after 180 rounds) left some just over ε on the true
    /// costs: 0.0500 where the bar is 0.05 (docs/planning.md I.7).
    /// </summary>
    public double MoveThreshold => Epsilon * (1 - EstimateMargin);

    /// <summary>The share of ε kept for the estimates' error (<see cref="MoveThreshold"/>).</summary>
    public const double EstimateMargin = 0.1;

    /// <summary>A flow reconsiders its strategy at most once per period (jittered ×0.5–1.5 so that flows take turns), µs.</summary>
    public long DecisionPeriodMicros { get; init; } = DefaultDecisionPeriodMicros;

    /// <summary>
    /// 5 s: on the live forest (docs/planning.md I.6) the game converges twice as fast as at 10 s, the first default, and
    /// its rounds are 4–7 % shorter in the slow world, for 23 % more messages (probes and their answers, a few dozen
    /// bytes each) and 1 % fewer bytes; the load-blind bandit gains more. At 2.5 s the gain flattens out and the
    /// messages grow again.
    /// </summary>
    public const long DefaultDecisionPeriodMicros = 5_000_000;

    /// <summary>The default period in milliseconds, as the command line takes it.</summary>
    public const int DefaultDecisionPeriodMs = (int)(DefaultDecisionPeriodMicros / 1000);

    /// <summary>`game` takes a move with probability equal to its believed relative gain (no herding); false: always.</summary>
    public bool RandomizedMoves { get; init; } = true;

    /// <summary>Relays a sender weighs (the first of its leaf set).</summary>
    public int Relays { get; init; } = 3;

    public bool IsStatic => Planner == "static";

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!FlowPlannerKind.Names.Contains(Planner))
            problems.Add($"--planner must be one of {string.Join(", ", FlowPlannerKind.Names)} (got '{Planner}')");
        if (!double.IsFinite(Epsilon) || Epsilon is < 0 or >= 1)
            problems.Add($"--epsilon must be in [0, 1) (got {Epsilon})");
        if (DecisionPeriodMicros <= 0)
            problems.Add("the decision period must be positive");
        if (Relays is < 0 or > 16)
            problems.Add($"relays must be from 0 to 16 (got {Relays})");
        return problems;
    }
}
