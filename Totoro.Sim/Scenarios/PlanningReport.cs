namespace Totoro.Sim.Scenarios;

/// <summary>
/// The `planning` section of a sim report. All costs are scored against the TRUE link parameters.
/// <list type="bullet">
/// <item><c>NashGap</c>: on the last round's profile, the largest (cost − best deviation)/cost of any flow, its
/// deviations being its candidate paths, the others fixed.</item>
/// <item><c>CumulativeLatencySeconds</c>: the realized delays (sampled retransmissions) summed over flows and rounds.</item>
/// <item><c>Regret</c>: Σ_flows [Σ_rounds expected cost of the chosen path − min over candidate paths p of
/// Σ_rounds the expected cost p would have had that round, the others as they were] (seconds).</item>
/// <item><c>NashRegret</c>: Σ_rounds max_flows (expected cost − best unilateral deviation's cost) (seconds), the
/// sum of per-round Nash gaps in absolute terms as in Cui et al. 2022.</item>
/// <item><c>RegretCurve</c>: regret and Nash regret after 10, 100, 1000, … rounds and at the end (paper Fig. 10).</item>
/// <item><c>Trees</c>: false for worker→master flows, true for tree transfers both ways (model down, update up).</item>
/// <item><c>MeanRoundSeconds</c>: mean over rounds and apps of an app's round time: its flows' realized delays composed
/// over its tree (model down each edge, updates up once every child's has arrived). A star's round waits for its slowest worker.</item>
/// </list>
/// </summary>
public sealed record PlanningSection(
    string Planner,
    double Epsilon,
    int Packets,
    int Nodes,
    int Links,
    int Flows,
    int Apps,
    bool Trees,
    int Moves,
    double NashGap,
    double CumulativeLatencySeconds,
    double Regret,
    double NashRegret,
    double MeanRoundSeconds,
    double MeanFlowSeconds,
    IReadOnlyList<RegretPoint> RegretCurve);

/// <summary>Regret and Nash regret (seconds) after <c>Packets</c> rounds.</summary>
public sealed record RegretPoint(int Packets, double Regret, double NashRegret);
