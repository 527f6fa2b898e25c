namespace Totoro.Sim.Network;

/// <summary>Link speeds (drawn uniformly per node between the bounds, in Mbit/s) and message loss.</summary>
public sealed record NetworkOptions
{
    public (double Min, double Max) UplinkMbps { get; init; } = (50, 200);

    public (double Min, double Max) DownlinkMbps { get; init; } = (100, 400);

    /// <summary>Probability that any one message is lost.</summary>
    public double LossRate { get; init; }

    /// <summary>
    /// Bytes of the security envelope charged on every datagram besides the IP and UDP headers (real mode's sealed
    /// frame; `totoro sim --secure`); 0 models an open overlay. Signatures and AEAD cost CPU, not modelled here.
    /// </summary>
    public int EnvelopeBytes { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (UplinkMbps.Min <= 0 || UplinkMbps.Max < UplinkMbps.Min)
            problems.Add("uplink bandwidth bounds must be positive with min <= max");
        if (DownlinkMbps.Min <= 0 || DownlinkMbps.Max < DownlinkMbps.Min)
            problems.Add("downlink bandwidth bounds must be positive with min <= max");
        if (EnvelopeBytes < 0)
            problems.Add($"envelope bytes must be 0 or more (got {EnvelopeBytes})");
        if (LossRate is < 0 or >= 1)
            problems.Add($"loss must be in [0, 1) (got {LossRate})");
        return problems;
    }
}
