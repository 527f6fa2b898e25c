namespace Totoro.Sim.Network;

/// <summary>
/// Link speeds (drawn uniformly per node between the bounds, in Mbit/s), message loss, and impairments that make
/// links differ (a world where paths matter): slow nodes, lossy nodes and bad paths between node pairs. Impaired
/// packets are retransmitted by the reliable transport, so loss costs time, not messages.
/// </summary>
public sealed record NetworkOptions
{
    public (double Min, double Max) UplinkMbps { get; init; } = (50, 200);

    public (double Min, double Max) DownlinkMbps { get; init; } = (100, 400);

    /// <summary>Probability that any one message is lost.</summary>
    public double LossRate { get; init; }

    /// <summary>Fraction of nodes whose uplink and downlink are <see cref="SlowFactor"/> times slower.</summary>
    public double SlowFraction { get; init; }

    public double SlowFactor { get; init; } = 10;

    /// <summary>Fraction of nodes whose links lose <see cref="LossyRate"/> of their packets (each retransmitted until it arrives).</summary>
    public double LossyFraction { get; init; }

    public double LossyRate { get; init; } = 0.3;

    /// <summary>Fraction of node pairs whose path (both ways) loses <see cref="BadPathRate"/> of its packets: a relay can go around it.</summary>
    public double BadPathFraction { get; init; }

    public double BadPathRate { get; init; } = 0.5;

    public bool IsImpaired => SlowFraction > 0 || LossyFraction > 0 || BadPathFraction > 0;

    /// <summary>
    /// Bytes of the security envelope charged on every datagram besides the IP and UDP headers (real mode's sealed
    /// frame; `totoro sim --secure`); 0 models an open overlay. Signatures and AEAD cost CPU, not modelled here.
    /// </summary>
    public int EnvelopeBytes { get; init; }

    /// <summary>
    /// Bytes of the root's seal on every round's broadcast (a certified host's certificate and signature; `totoro sim
    /// --secure`), with the forest's check that the sealing root is the closest node each receiver knows, and failure
    /// notices heeded from leaf-set members only. The signature itself is modelled as valid. 0: an open overlay.
    /// </summary>
    public int BroadcastSealBytes { get; init; }

    /// <summary>The overlay is certified: the security envelope or the roots' seals are charged.</summary>
    public bool IsSecure => EnvelopeBytes > 0 || BroadcastSealBytes > 0;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (UplinkMbps.Min <= 0 || UplinkMbps.Max < UplinkMbps.Min)
            problems.Add("uplink bandwidth bounds must be positive with min <= max");
        if (DownlinkMbps.Min <= 0 || DownlinkMbps.Max < DownlinkMbps.Min)
            problems.Add("downlink bandwidth bounds must be positive with min <= max");
        if (BroadcastSealBytes is < 0 or > Totoro.Core.Forest.SealedPayload.MaxSealBytes)
            problems.Add($"broadcast seal bytes must be from 0 to {Totoro.Core.Forest.SealedPayload.MaxSealBytes} (got {BroadcastSealBytes})");
        if (EnvelopeBytes < 0)
            problems.Add($"envelope bytes must be 0 or more (got {EnvelopeBytes})");
        if (LossRate is < 0 or >= 1)
            problems.Add($"loss must be in [0, 1) (got {LossRate})");
        if (SlowFraction is < 0 or > 1 || LossyFraction is < 0 or > 1 || BadPathFraction is < 0 or > 1)
            problems.Add("the slow, lossy and bad-path fractions must be in [0, 1]");
        if (!(SlowFactor >= 1) || double.IsInfinity(SlowFactor))
            problems.Add($"the slow factor must be at least 1 (got {SlowFactor})");
        if (LossyRate is < 0 or >= 0.95 || BadPathRate is < 0 or >= 0.95)
            problems.Add("the lossy-node and bad-path packet loss must be in [0, 0.95)");
        return problems;
    }
}
