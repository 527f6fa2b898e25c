namespace Totoro.Net.Control;

/// <summary>A host's answer to one request (same Id); Error says what went wrong and what to do.</summary>
public sealed record ControlResponse(long Id, bool Ok)
{
    public string? Error { get; init; }

    public HostInfo? Info { get; init; }

    public AppSummary[]? Apps { get; init; }

    public AppStatus? Status { get; init; }

    public LookupResult? Lookup { get; init; }
}
