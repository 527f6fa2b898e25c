namespace Totoro.Net.Control;

/// <summary>Host to host: the answer to a probe that was routed through the overlay, by correlation number.</summary>
public sealed record Notice(long Corr)
{
    public AppStatus? Status { get; init; }

    public LookupResult? Lookup { get; init; }

    /// <summary>An app spreading host to host (with its id, hex).</summary>
    public Hosting.AdvertisedApp? App { get; init; }

    public string? AppId { get; init; }
}
