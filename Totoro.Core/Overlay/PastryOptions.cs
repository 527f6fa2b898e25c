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

    /// <summary>A join that has not completed after this long is sent again (µs).</summary>
    public long JoinTimeoutMicros { get; init; } = 30_000_000;

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
        return problems;
    }
}
