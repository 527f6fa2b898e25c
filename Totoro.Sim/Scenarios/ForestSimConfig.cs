namespace Totoro.Sim.Scenarios;

/// <summary>The forest part of `totoro sim`: A apps, S subscribers each, one broadcast and one aggregation of a B-byte model.</summary>
public sealed record ForestSimConfig
{
    public int Apps { get; init; }

    public int SubscribersPerApp { get; init; } = 100;

    /// <summary>Model size in bytes (160 KB: the paper artifact's largest MLP).</summary>
    public int ModelBytes { get; init; } = 160 * 1024;

    /// <summary>Tree fanout bound; 0 means 2^b.</summary>
    public int Fanout { get; init; }

    /// <summary>How full tree nodes place joiners.</summary>
    public Core.Forest.ITreePolicy TreePolicy { get; init; } = Core.Forest.ShallowestFirstPolicy.Instance;

    /// <summary>Round deadline in ms after the broadcast; 0 waits for every contribution.</summary>
    public int RoundDeadlineMs { get; init; }

    /// <summary>Confine each app to its creator's zone: zone-prefixed app id, subscribers from that zone, zone-local JOINs.</summary>
    public bool ConfineToZone { get; init; }

    /// <summary>Tree timers (heartbeat, parent timeout, join timeout); null: <see cref="Core.Forest.TreeOptions"/>'s defaults.</summary>
    public Core.Forest.TreeOptions? TreeTimers { get; init; }

    /// <summary>Carry real float vectors (ModelBytes / 4 of them) and check the root's average against a flat one.</summary>
    public bool RealVectors { get; init; }

    /// <summary>How every node plans its tree flows (null or static: Pastry's own routes, no acks).</summary>
    public Core.Planning.PlanningOptions? Planning { get; init; }

    public IReadOnlyList<string> Validate(int nodes)
    {
        var problems = new List<string>(Planning?.Validate() ?? []);
        if (Apps < 0)
            problems.Add($"--apps must be zero or more (got {Apps})");
        if (SubscribersPerApp < 1 || SubscribersPerApp > nodes)
            problems.Add($"--subscribers-per-app must be from 1 to the number of nodes, {nodes} (got {SubscribersPerApp})");
        if (ModelBytes is < 4 or > Core.Runtime.Payload.MaxBytes)
            problems.Add($"--model-bytes must be from 4 to {Core.Runtime.Payload.MaxBytes} (got {ModelBytes})");
        if (RoundDeadlineMs < 0)
            problems.Add($"--round-deadline-ms must be zero or more (got {RoundDeadlineMs})");
        if (Fanout is < 0 or > 255)
            problems.Add($"--fanout must be from 1 to 255 (got {Fanout})");
        return problems;
    }
}
