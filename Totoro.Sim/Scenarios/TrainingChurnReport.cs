namespace Totoro.Sim.Scenarios;

/// <summary>
/// Training under churn (inside the `churn` section): what happened to the apps' roots and workers, and an audit of
/// every round the roots closed. A worker whose node's session ends hands its data shard to the fresh node that
/// takes the node's place (the same device coming back under a new id); until then it is simply missing from
/// rounds. Recovery runs from a root's death to its heir's take-over.
/// </summary>
public sealed record TrainingChurnSection(
    int RoundDeadlineMs,
    int KillRootAtRound,
    int RootsKilled,
    int RootDeaths,
    int RootDeathsResumed,
    int WorkerDepartures,
    int WorkersHandedOver,
    int RoundsClosed,
    int RoundsShortOfParticipants,
    double MeanParticipants,
    double MeanContributions,
    long UpdatesMerged,
    int DuplicateUpdates,
    int WeightMismatches,
    int AppsUnfinished,
    bool GaveUp);
