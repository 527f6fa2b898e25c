namespace Totoro.Cli.Soak;

/// <summary>
/// What `totoro soak` runs: hosts in network namespaces on one bridge, impaired links, apps training, and a seeded chaos
/// schedule thrown at them for a bounded time. <see cref="Short"/> is the few-minute form CI runs.
/// </summary>
internal sealed record SoakOptions
{
    public int Hosts { get; init; } = 20;

    public int NodesPerHost { get; init; } = 8;

    public double Minutes { get; init; } = 15;

    /// <summary>Percent of packets lost on every link (netem where the kernel has it, each host's receive path otherwise).</summary>
    public double LossPercent { get; init; } = 2;

    public int DelayMs { get; init; } = 10;

    /// <summary>Apps training at once: one that finishes is replaced by a new one while there is time for it to finish.</summary>
    public int Apps { get; init; } = 5;

    public int AppRounds { get; init; } = 100;

    /// <summary>Seconds between chaos events (a kill -9 or a graceful leave, each followed by a restart), drawn uniformly.</summary>
    public double ChaosMinSeconds { get; init; } = 30;

    public double ChaosMaxSeconds { get; init; } = 60;

    /// <summary>Times one namespace is cut off from the bridge, and for how long.</summary>
    public int Cuts { get; init; } = 2;

    public double CutSeconds { get; init; } = 30;

    /// <summary>Lookups asked per second, each from a random settled host for a random key, checked against the live ids.</summary>
    public double LookupsPerSecond { get; init; } = 4;

    /// <summary>Threads asking lookups, each waiting for its answer: one keeps up with about 6 a second on a loaded machine.</summary>
    public int LookupAskers => Math.Max(1, (int)Math.Ceiling(LookupsPerSecond / 4));

    public int PingPeriodMs { get; init; } = 2000;

    /// <summary>After the chaos ends, how long apps still running get to finish before they count as lost.</summary>
    public double GraceSeconds { get; init; } = 180;

    public ulong Seed { get; init; } = 1;

    public string OutDir { get; init; } = Path.Combine("out", "soak");

    /// <summary>A few minutes on a handful of namespaces: the form CI runs.</summary>
    public static SoakOptions Short => new()
    {
        Hosts = 6,
        NodesPerHost = 4,
        Minutes = 2.5,
        Apps = 2,
        AppRounds = 40,
        ChaosMinSeconds = 20,
        ChaosMaxSeconds = 30,
        Cuts = 1,
        CutSeconds = 20,
        GraceSeconds = 120,
        LookupsPerSecond = 12, // over a thousand lookups (three askers): a 99.9% bar over the ~500 of one asker fails on a single one
    };

    /// <summary>
    /// Seconds a host must have been up and joined (or reconnected) before lookups expect to find its nodes: the
    /// overlay's own bound for repairing a neighbour wrongly declared dead as it joins (a host starting on a loaded
    /// machine answers its first probes late), in ping periods p as `totoro node` sets its timers: the lease (1.5 p),
    /// three probe tries (1.5 p), the time a dead peer is not re-learned from gossip (two leases, 3 p) and the wait for
    /// the next ping to departed peers (2 p), 8 p in all. The CI soak once saw a lookup go wrong 12 s after the joins.
    /// </summary>
    public double SettleSeconds => Math.Max(10, 8 * PingPeriodMs / 1000.0);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Hosts is < 3 or > 200)
            problems.Add($"--hosts must be from 3 to 200 (got {Hosts})");
        if (NodesPerHost is < 1 or > 64)
            problems.Add($"--logical-nodes must be from 1 to 64 (got {NodesPerHost})");
        if (!(Minutes is > 0 and <= 24 * 60))
            problems.Add($"--minutes must be above 0 and at most a day (got {Minutes})");
        if (!(LossPercent is >= 0 and < 50))
            problems.Add($"--loss must be a percentage from 0 to below 50 (got {LossPercent})");
        if (DelayMs is < 0 or > 1000)
            problems.Add($"--delay-ms must be from 0 to 1000 (got {DelayMs})");
        if (Apps is < 0 or > 50)
            problems.Add($"--apps must be from 0 to 50 (got {Apps})");
        if (AppRounds < 1)
            problems.Add($"--app-rounds must be at least 1 (got {AppRounds})");
        if (!(ChaosMinSeconds >= 1 && ChaosMaxSeconds >= ChaosMinSeconds))
            problems.Add($"--chaos-every must be MIN-MAX seconds with 1 <= MIN <= MAX (got {ChaosMinSeconds}-{ChaosMaxSeconds})");
        if (Cuts < 0 || !(CutSeconds > 0))
            problems.Add($"--cuts must be 0 or more and --cut-seconds above 0 (got {Cuts}, {CutSeconds})");
        if (!(LookupsPerSecond is > 0 and <= 200))
            problems.Add($"--lookups-per-second must be above 0 and at most 200 (got {LookupsPerSecond})");
        if (PingPeriodMs < 100)
            problems.Add($"--ping-period-ms must be at least 100 (got {PingPeriodMs})");
        return problems;
    }
}
