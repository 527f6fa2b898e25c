namespace Totoro.Core.Planning;

/// <summary>
/// What a node has seen of its transfers over one path (direct to a peer, or through one relay): how many it sent and
/// how many were acknowledged, the mean time per byte of the acknowledged bulk ones, and the least round trip seen.
/// </summary>
public readonly record struct HopEstimate(long Transfers, long Acked, double MicrosPerByte, long BulkSamples, double RoundTripMicros)
{
    public bool IsTried => BulkSamples > 0;

    /// <summary>θ̂: acknowledged / resolved transfers (1 before any, the optimistic prior).</summary>
    public double SuccessRate => Transfers == 0 ? 1 : (double)Acked / Transfers;
}
