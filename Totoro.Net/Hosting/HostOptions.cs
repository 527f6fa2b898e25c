using System.Net;
using Totoro.Core.Overlay;

namespace Totoro.Net.Hosting;

/// <summary>How one host runs: where it listens, whom it joins through, how many logical nodes it serves.</summary>
public sealed record HostOptions
{
    /// <summary>The address and port peers reach this host at (a concrete IPv4 address; port 0 picks a free one).</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>Any host of the overlay to join through; null founds a new overlay.</summary>
    public IPEndPoint? Bootstrap { get; init; }

    /// <summary>Logical nodes this host serves (the paper maps a host's capacity to a number of them).</summary>
    public int LogicalNodes { get; init; } = 1;


    /// <summary>Edge zones of the deployment (1: one flat ring) and this host's zone.</summary>
    public int Zones { get; init; } = 1;

    public int Zone { get; init; }

    /// <summary>Where the host keeps its nodes' ids (node-ids, made on first start) and writes metrics.csv; null: fresh ids, no metrics.</summary>
    public string? DataDir { get; init; }

    /// <summary>
    /// The host's own training data (a shard folder's IDX files, loaded), split among its logical nodes: they train on
    /// it instead of the share an app's root assigns. Null: the root's partition of each app's data set.
    /// </summary>
    public Totoro.Core.Learning.Dataset? OwnData { get; init; }

    public PastryOptions Pastry { get; init; } = new();

    /// <summary>The host's key, certificate and authority: every datagram between hosts is then authenticated; null runs open (loopback tests, development).</summary>
    public Security.Credentials? Credentials { get; init; }

    /// <summary>Accept unsigned control requests from any address, not only loopback (tests in network namespaces; never on a shared network).</summary>
    public bool ControlFromAnywhere { get; init; }

    /// <summary>Datagrams a second one peer endpoint may send before the rest are dropped, and the burst allowed.</summary>
    public double PeerRatePerSecond { get; init; } = 20_000;

    public double PeerBurst { get; init; } = 40_000;

    public long MetricsIntervalMicros { get; init; } = 1_000_000;

    /// <summary>Fraction of received packets dropped on purpose (a testing aid where `tc netem` is missing).</summary>
    public double ImpairLoss { get; init; }

    /// <summary>Milliseconds every received packet is held before the host handles it (a testing aid where `tc netem` is missing).</summary>
    public int ImpairDelayMs { get; init; }

    /// <summary>How this host's nodes plan their tree flows (static: Pastry's own routes, no acks).</summary>
    public Core.Planning.PlanningOptions Planning { get; init; } = Core.Planning.PlanningOptions.Static;

    /// <summary>Every problem with the options, naming the option and the fix.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>(Planning.Validate());
        if (Listen.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            problems.Add($"--listen {Listen.Address} must be an IPv4 address");
        else if (Listen.Address.Equals(IPAddress.Any) || Listen.Address.Equals(IPAddress.Broadcast))
            problems.Add($"--listen {Listen.Address} is not an address peers can reach: give this host's own address (e.g. 127.0.0.1 or 10.0.0.5)");
        if (LogicalNodes is < 1 or > 1000)
            problems.Add($"--logical-nodes must be from 1 to 1000 (got {LogicalNodes})");
        if (Zones is < 1 or > 256)
            problems.Add($"--zones must be from 1 to 256 (got {Zones})");
        if (Zone < 0 || Zone >= Zones)
            problems.Add($"--zone must be from 0 to {Zones - 1} (got {Zone}); with zones, pass --zones M too");
        if (Bootstrap is not null && Bootstrap.Equals(Listen))
            problems.Add("--bootstrap is this host's own --listen address: leave --bootstrap out to found an overlay");
        if (!(ImpairLoss is >= 0 and < 1))
            problems.Add($"--impair-loss must be in [0, 1) (got {ImpairLoss})");
        if (ImpairDelayMs is < 0 or > 10_000)
            problems.Add($"--impair-delay-ms must be from 0 to 10000 (got {ImpairDelayMs})");
        if (Credentials is { } c && LogicalNodes > c.Certificate.LogicalNodes)
            problems.Add($"--logical-nodes {LogicalNodes} exceeds the {c.Certificate.LogicalNodes} this host's certificate ('{c.Certificate.Name}') allows: issue one for more");
        problems.AddRange(Pastry.Validate());
        return problems;
    }
}
