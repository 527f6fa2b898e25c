namespace Totoro.Core.Planning;

/// <summary>How a node plans its flows: which planner, the ε a move must gain, and how often a flow may reconsider.</summary>
public sealed record PlanningOptions
{
    public static readonly PlanningOptions Static = new();

    /// <summary>static (Pastry's route), bandit (EuroSys, per flow, load-blind) or game (Totoro+).</summary>
    public string Planner { get; init; } = "static";

    /// <summary>The relative gain a flow needs before it moves.</summary>
    public double Epsilon { get; init; } = 0.05;

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
