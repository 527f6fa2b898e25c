namespace Totoro.Net.Deploy;

/// <summary>
/// Seconds one host spent in each step of `deploy up`: SSH connect, build upload, certificate, start command, and
/// from its start until all its nodes answered joined. Null: the step did not happen (or failed).
/// </summary>
public sealed record HostTimings
{
    public double? Connect { get; init; }

    public double? Upload { get; init; }

    public double? Certify { get; init; }

    public double? Start { get; init; }

    public double? Join { get; init; }

    /// <summary>Bytes of the build sent to this host (0 when every file matched already).</summary>
    public long SentBytes { get; init; }
}
