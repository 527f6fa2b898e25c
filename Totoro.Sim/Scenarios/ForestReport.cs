namespace Totoro.Sim.Scenarios;

/// <summary>The `forest` section of a sim report.</summary>
public sealed record ForestSection(
    int Apps,
    int SubscribersPerApp,
    int ModelBytes,
    int Fanout,
    IReadOnlyList<AppTreeReport> Trees,
    Distribution RootsPerNode,
    Distribution PerNodeTrafficBytes,
    long CentralServerTrafficBytes,
    long ControlMessages,
    double MeanDepth,
    int MaxDepth,
    double MeanDisseminationMs,
    double MeanAggregationMs,
    int BroadcastsDelivered,
    int DuplicateDeliveries,
    long ContributionsAggregated,
    bool RealVectors,
    double MaxAverageError);

/// <summary>One app's tree: who is its master, its shape, and how long a round's two halves took.</summary>
public sealed record AppTreeReport(
    string App,
    int Root,
    int Subscribers,
    int Attached,
    int TreeNodes,
    int Depth,
    int MaxChildren,
    double DisseminationMs,
    double AggregationMs,
    long Contributions,
    int Zone,
    int TreeNodesOutsideZone);

/// <summary>Summary of a per-node quantity over all nodes.</summary>
public sealed record Distribution(double Mean, double P99, double P995, double Max);
