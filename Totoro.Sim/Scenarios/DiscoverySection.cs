namespace Totoro.Sim.Scenarios;

/// <summary>
/// One run of the AD-tree ablation. Reach: seconds from an app's advertisement until 50/90/99/100 % of the live
/// participants (its creator aside) know it, as each node's own callback recorded it; null when never reached.
/// Traffic: discovery messages and bytes a node sends plus receives a second over the window (the overlay's own
/// upkeep, which both settings pay, is not counted), mean over participants, at the busiest node and at the hub.
/// </summary>
public sealed record DiscoverySection(
    string System,
    int Participants,
    double? PollPeriodSeconds,
    int Advertisements,
    double WindowSeconds,
    double? SecondsTo50,
    double? SecondsTo90,
    double? SecondsTo99,
    double? SecondsTo100,
    double? MaxSecondsTo99,
    int CatalogueComplete,
    double SetupMessagesPerNode,
    double MessagesPerNodePerSecond,
    double BytesPerNodePerSecond,
    double P99MessagesPerSecond,
    double BusiestMessagesPerSecond,
    double BusiestBytesPerSecond,
    bool BusiestIsHub,
    double HubMessagesPerSecond,
    double HubBytesPerSecond,
    int Hub,
    int NewHub,
    double FailureReach,
    double? FailureSecondsTo50,
    double? FailureSecondsTo90,
    double? FailureSecondsTo99,
    int FailureAnnouncements,
    int FailureCatalogueComplete);
