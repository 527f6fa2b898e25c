namespace Totoro.Sim.Scenarios;

/// <summary>
/// The `churn` section: session churn with lookups (null fields when it did not run), then a failure burst in
/// the forest. Recovery of a tree runs from the burst until every live subscriber is again reachable from a live
/// root through parent–child links both ends agree on.
/// </summary>
public sealed record ChurnSection(
    string Timers,
    string? Model = null,
    double? MeanSessionSeconds = null,
    double? MeanDowntimeSeconds = null,
    double? DurationSeconds = null,
    int? Departures = null,
    int? GracefulLeaves = null,
    int? Rejoins = null,
    int? LiveNodesAtEnd = null,
    int? LookupsIssued = null,
    int? LookupsDelivered = null,
    int? LookupsCorrect = null,
    double? LookupSuccessRate = null,
    int? LookupsDroppedAfterRetries = null,
    int? LookupsResent = null,
    int? LookupsTimedOut = null,
    int? LeafSetsExactAfterSettle = null,
    int? LiveNodesAfterSettle = null,
    int? FailTrees = null,
    double? FailFraction = null,
    int? FailedNodes = null,
    int? Orphans = null,
    int? TreesMeasured = null,
    int? TreesRecovered = null,
    double? MeanRecoveryMs = null,
    double? P99RecoveryMs = null,
    double? MaxRecoveryMs = null,
    int? RootFailovers = null,
    int? RoundsLost = null,
    int? ModelsLost = null,
    int? RoundAfterRepairDelivered = null,
    int? RoundAfterRepairExpected = null,
    TrainingChurnSection? Training = null);
