namespace Totoro.Sim.Scenarios;

/// <summary>
/// What nodes pay to keep their trees alive while no round runs: per node, bytes a second sent plus received
/// (overlay maintenance and tree maintenance apart) and tree messages a second; beside it, a central server's
/// keep-alive sessions for the same apps and workers (<see cref="Baselines.CentralKeepAliveRun"/>).
/// </summary>
public sealed record MaintenanceSection(
    double WindowSeconds,
    Distribution ControlBytesPerSecond,
    Distribution TreeBytesPerSecond,
    Distribution OverlayBytesPerSecond,
    Distribution TreeMessagesPerSecond,
    long KeepAlivesSent,
    long KeepAliveLists,
    double CentralServerBytesPerSecond,
    double CentralServerMessagesPerSecond,
    Distribution CentralWorkerBytesPerSecond)
{
    /// <summary>Where the window's bytes went: every kind sent, overlay and forest alike (the forest's batched keep-alives apart).</summary>
    public IReadOnlyList<KindTraffic> ByKind { get; init; } = [];

    /// <summary>Keep-alives nodes sent their watchers (their immediate leaf-set neighbours) in the window.</summary>
    public long WatchKeepAlivesSent { get; init; }
}
