namespace Totoro.Core.Overlay;

/// <summary>
/// Pastry parameters, shared by every node of an overlay. Defaults follow FreePastry 2.1
/// (b = 4, leaf set 24, leaf-set ping every 20 s with a 30 s lease).
/// </summary>
public sealed record PastryOptions
{
    /// <summary>Bits per digit; the routing table has 2^b columns and trees get fanout 2^b.</summary>
    public int B { get; init; } = 4;

    /// <summary>Leaf set size L: L/2 numerically closest ids on each side.</summary>
    public int LeafSetSize { get; init; } = 24;

    /// <summary>Neighbourhood set size M: the physically closest nodes known.</summary>
    public int NeighbourhoodSize { get; init; } = 16;

    /// <summary>How often a node pings its immediate leaf-set neighbours with its leaf set (µs).</summary>
    public long LeafSetPingPeriodMicros { get; init; } = 20_000_000;

    /// <summary>A neighbour not heard from for this long is declared dead (µs).</summary>
    public long LeaseMicros { get; init; } = 30_000_000;

    /// <summary>How long a node waits for a suspected peer to answer a probe before dropping it (µs).</summary>
    public long ProbeTimeoutMicros { get; init; } = 3_000_000;

    /// <summary>
    /// Pings a suspect gets, each waiting <see cref="ProbeTimeoutMicros"/>, before it is declared dead. 1 (the default,
    /// the simulator's runs) rules on one; real mode asks twice, since a lossy link loses single pings.
    /// </summary>
    public int ProbeTries { get; init; } = 1;

    /// <summary>
    /// Whether a neighbour whose lease ran out is probed (<see cref="ProbeTries"/> pings) before it is declared dead,
    /// rather than at once. Off (the simulator's runs, whose links lose nothing unless told to); real mode turns it on,
    /// since a lossy link can lose every message of a lease and a live neighbour declared dead stays out of the tables
    /// for two leases.
    /// </summary>
    public bool ProbeExpiredLeases { get; init; }

    /// <summary>A candidate for the leaf set is pinged at most once per this period (FreePastry's lease-request throttle; µs).</summary>
    public long PingThrottleMicros { get; init; }

    /// <summary>
    /// Whether a node that confirms a death it was told of relays the notice to its own leaf set too. A death a node
    /// finds first-hand (a lease, a hop ack, a rotating probe) is always announced. On (the original behaviour) the
    /// notice cascades over the leaf sets of the leaf set: ~L² messages per death, too many under churn.
    /// </summary>
    public bool RelayFailureNotices { get; init; } = true;

    /// <summary>
    /// Whether a failure notice is heeded only when its sender is in this node's leaf set, as Pastry's secure routing
    /// asks (Castro et al., OSDI 2002): the dead node's neighbours are the ones that find a death and tell their leaf
    /// sets, and a lie from anyone else then costs not even a probe. On in a certified overlay (`node` with a
    /// certificate, `sim --secure`); off (the original behaviour) otherwise.
    /// </summary>
    public bool FailureNoticesFromLeafSetOnly { get; init; }

    /// <summary>A join that has not completed after this long is sent again (µs).</summary>
    public long JoinTimeoutMicros { get; init; } = 30_000_000;

    /// <summary>
    /// How long a joiner waits before sending its JoinRequest again on the link's timescale (µs), for the first
    /// <see cref="JoinRetries"/> attempts; later ones wait <see cref="JoinTimeoutMicros"/>. A lost JoinRequest or JoinReply
    /// then costs about a second, not a join timeout. 0 (the default, the simulator's static runs) leaves only the join
    /// timeout; on in real mode, where datagrams are lost.
    /// </summary>
    public long JoinRetryMicros { get; init; }

    /// <summary>How many times a join is sent again after <see cref="JoinRetryMicros"/> before falling back to the join timeout.</summary>
    public int JoinRetries { get; init; } = 5;

    /// <summary>How often each routing-table row is refreshed from a random entry of that row (µs); 0: never.</summary>
    public long RoutingMaintenancePeriodMicros { get; init; }

    /// <summary>
    /// How long a hop waits for the next hop's acknowledgement of a lookup before routing around it (µs); 0: no
    /// acknowledgements (a lookup sent to a dead hop is lost).
    /// </summary>
    public long HopAckTimeoutMicros { get; init; }

    /// <summary>
    /// End-to-end lookup timeout (µs): the closest node answers a lookup's origin, and an origin that hears nothing
    /// this long sends the lookup again (a hop may die after acking it). 0 (the default) turns replies off.
    /// </summary>
    public long LookupTimeoutMicros { get; init; }

    /// <summary>
    /// Whether a node that completes its join probes every leaf-set member (FreePastry's consistent join): join
    /// replies may name nodes that have died since, which would otherwise stay until a rotating probe reaches them.
    /// Off by default (a static overlay has no dead members, and the probes cost ~25% more messages and ~650 bytes
    /// per node at the peak of a build); on in the churn presets and in real mode.
    /// </summary>
    public bool ProbeLeafSetOnJoin { get; init; }

    /// <summary>
    /// Whether a node that has its join replies tells the layers above it joined only once every leaf-set member has
    /// answered a ping carrying its leaf set, or been ruled dead (MSPastry's rule; PastryNode.JoinConfirmation.cs).
    /// Nodes joining at once through the same neighbourhood otherwise miss each other until a keep-alive: lookups end
    /// one node short of the key's owner meanwhile. On in real mode; off by default (the simulator's figures were made
    /// without it, and its joins are sequenced by the experiment).
    /// </summary>
    public bool ConfirmLeafSetOnJoin { get; init; }

    /// <summary>How many times an origin sends a lookup again after the lookup timeout before giving up.</summary>
    public int LookupRetries { get; init; } = 2;

    /// <summary>How many times one hop re-routes a lookup whose next hop stays silent before dropping it.</summary>
    public int HopRetries { get; init; } = 16;

    /// <summary>FreePastry 2.1's timers: leaf-set ping 20 s, lease 30 s, routing-table maintenance 900 s; hop acks after 1 s.</summary>
    public PastryOptions WithFreePastryTimers() => WithChurnRepair() with
    {
        LeafSetPingPeriodMicros = 20_000_000,
        LeaseMicros = 30_000_000,
    };

    /// <summary>
    /// The Totoro paper's failure-test timers (its user.params): leaf-set ping 8 s, lease 10 s, 2 ping tries (so a
    /// 3 s probe), routing-table maintenance left at 900 s; hop acks after 1 s.
    /// </summary>
    public PastryOptions WithPaperFailureTimers() => WithChurnRepair() with
    {
        LeafSetPingPeriodMicros = 8_000_000,
        LeaseMicros = 10_000_000,
        ProbeTimeoutMicros = 3_000_000,
    };

    /// <summary>
    /// What `totoro node` runs, at a keep-alive period of <paramref name="pingMicros"/>: the churn presets' repair, a
    /// lease of one and a half periods, joins retried on the link's timescale, and on lossy links three probe pings, expired
    /// leases probed before a ruling, and the peers declared dead pinged now and then (a cut heals).
    /// </summary>
    public PastryOptions ForRealMode(long pingMicros) => WithChurnRepair() with
    {
        LeafSetPingPeriodMicros = pingMicros,
        LeaseMicros = pingMicros * 3 / 2,
        ProbeTimeoutMicros = Math.Min(3_000_000, pingMicros / 2),
        JoinTimeoutMicros = Math.Min(30_000_000, pingMicros * 3 / 2),
        JoinRetryMicros = 1_500_000, // a lost join datagram costs a second or two, not a join timeout
        ProbeTries = 3, // lost pings must not kill a live neighbour (or a tree parent): at 2 % loss two tries still did, 10-19 times in 240 s
        ProbeExpiredLeases = true, // nor a lease whose every message was lost
        ProbeDepartedEvery = 2, // a cut-off host or site rejoins its side of the ring once the cut heals
        ConfirmLeafSetOnJoin = true, // hosts start together: a node is joined once its leaf set knows it
    };

    /// <summary>
    /// The repair both presets share, whatever their keep-alive timers: 900 s routing-table maintenance, 1 s hop acks,
    /// 10 s end-to-end lookup timeouts, a probed leaf set at join, two rotating leaf probes per period, throttled
    /// admission pings, and failure notices not relayed (each death is announced by the nodes that find it).
    /// </summary>
    public PastryOptions WithChurnRepair() => this with
    {
        RoutingMaintenancePeriodMicros = 900_000_000,
        HopAckTimeoutMicros = 1_000_000,
        LookupTimeoutMicros = 10_000_000,
        ProbeLeafSetOnJoin = true,
        LeafProbesPerPeriod = 2,
        PingThrottleMicros = 2_000_000,
        RelayFailureNotices = false,
    };

    /// <summary>Leaf-set members probed in turn each ping period, beyond the two leased neighbours; 0 (the default) probes none.</summary>
    public int LeafProbesPerPeriod { get; init; }

    /// <summary>
    /// Leaf-set periods between pings to a peer this node declared dead (PastryNode.Departed.cs), so that the two sides
    /// of a healed partition find each other again; 0 (the default) never pings them.
    /// </summary>
    public int ProbeDepartedEvery { get; init; }

    /// <summary>How long a peer declared dead is still tried (with <see cref="ProbeDepartedEvery"/>).</summary>
    public long ForgetDepartedAfterMicros { get; init; } = 600_000_000;

    public int Columns => 1 << B;

    public int LeafHalf => LeafSetSize / 2;

    /// <summary>Problems with these options, each naming the option and what is allowed; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (B is < 1 or > 8)
            problems.Add($"b must be between 1 and 8 (got {B})");
        if (LeafSetSize < 2 || LeafSetSize % 2 != 0 || LeafSetSize > 256)
            problems.Add($"leaf-set size must be an even number from 2 to 256 (got {LeafSetSize})");
        if (NeighbourhoodSize is < 0 or > 256)
            problems.Add($"neighbourhood size must be from 0 to 256 (got {NeighbourhoodSize})");
        if (LeafSetPingPeriodMicros <= 0 || LeaseMicros <= LeafSetPingPeriodMicros)
            problems.Add("the lease must be longer than the leaf-set ping period, and both positive");
        if (ProbeTimeoutMicros <= 0 || JoinTimeoutMicros <= 0)
            problems.Add("probe and join timeouts must be positive");
        if (ProbeTries is < 1 or > 8)
            problems.Add($"probe tries must be from 1 to 8 (got {ProbeTries})");
        if (PingThrottleMicros is < 0 or > int.MaxValue)
            problems.Add($"the ping throttle must be from 0 to {int.MaxValue} µs (got {PingThrottleMicros})");
        if (RoutingMaintenancePeriodMicros < 0 || HopAckTimeoutMicros < 0)
            problems.Add("the routing-maintenance period and the hop-ack timeout must be zero (off) or positive");
        if (LookupTimeoutMicros < 0 || LookupRetries is < 0 or > 16)
            problems.Add($"the lookup timeout must be zero (off) or positive, and lookup retries from 0 to 16 (got {LookupRetries})");
        if (JoinRetryMicros < 0 || JoinRetries is < 0 or > 64)
            problems.Add($"the join retry must be zero (off) or positive, and join retries from 0 to 64 (got {JoinRetries})");
        if (HopRetries is < 0 or > 64)
            problems.Add($"hop retries must be from 0 to 64 (got {HopRetries})");
        if (ProbeDepartedEvery < 0 || ForgetDepartedAfterMicros <= 0)
            problems.Add($"departed-peer probing must be every 0 (off) or more periods, over a positive time (got {ProbeDepartedEvery}, {ForgetDepartedAfterMicros} µs)");
        return problems;
    }
}
