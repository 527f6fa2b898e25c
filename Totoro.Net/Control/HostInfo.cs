namespace Totoro.Net.Control;

/// <summary>A host as it reports itself: its endpoint, its logical nodes' ids (hex) and what it has dropped.</summary>
public sealed record HostInfo(
    string Endpoint,
    string[] NodeIds,
    int Joined,
    long MessagesIn,
    long MessagesOut,
    long DecodeFailures,
    long RateLimited,
    long UnknownDestination,
    long HandlerErrors)
{
    /// <summary>Frames and requests refused for authentication reasons (no session, replayed, bad certificate, id not owned, control refused).</summary>
    public long AuthenticationFailures { get; init; }

    /// <summary>Bytes of tree data (models and updates) the host's socket received and sent: a tree's load on its links.</summary>
    public long TreeBytesIn { get; init; }

    public long TreeBytesOut { get; init; }
}
