namespace Totoro.Core.Forest;

/// <summary>Per-app tree parameters (the paper's CreateTree options).</summary>
public sealed record TreeOptions
{
    /// <summary>Most children a tree node keeps; extra joiners are pushed down to a child. Default 2^b.</summary>
    public int Fanout { get; init; } = 16;

    /// <summary>A parent that has sent nothing to its children for this long sends a heartbeat (µs).</summary>
    public long HeartbeatPeriodMicros { get; init; } = 10_000_000;

    /// <summary>A child that has heard nothing from its parent for this long re-joins the tree (µs).</summary>
    public long ParentTimeoutMicros { get; init; } = 30_000_000;

    /// <summary>A join not acknowledged for this long is sent again, around the hop that swallowed it (µs).</summary>
    public long JoinTimeoutMicros { get; init; } = 5_000_000;

    /// <summary>
    /// How long after a broadcast the root closes the round (µs); 0 waits for every contribution. With a deadline,
    /// a node at depth d forwards what it has at deadline − d × <see cref="LevelMarginMicros"/>: stragglers and dead
    /// subtrees are left out of the round instead of stalling it.
    /// </summary>
    public long RoundDeadlineMicros { get; init; }

    /// <summary>Time each tree level keeps for its parent's merge and the hop up (µs).</summary>
    public long LevelMarginMicros { get; init; } = 250_000;

    /// <summary>How many of the root's closest leaf-set neighbours hold a replica of its state.</summary>
    public int Replicas { get; init; } = 3;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Fanout is < 1 or > 255)
            problems.Add($"fanout must be from 1 to 255 (got {Fanout})");
        if (HeartbeatPeriodMicros <= 0 || ParentTimeoutMicros <= HeartbeatPeriodMicros)
            problems.Add("the parent timeout must be longer than the heartbeat period, and both positive");
        if (RoundDeadlineMicros < 0 || LevelMarginMicros <= 0)
            problems.Add("the round deadline must be zero or more and the level margin positive");
        if (Replicas is < 0 or > 16)
            problems.Add($"replicas must be from 0 to 16 (got {Replicas})");
        return problems;
    }
}
