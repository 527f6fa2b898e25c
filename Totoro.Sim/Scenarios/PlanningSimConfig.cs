namespace Totoro.Sim.Scenarios;

/// <summary>
/// The planning scenario: a seeded edge-overlay-like graph, <see cref="Apps"/> apps of <see cref="FlowsPerApp"/>
/// workers each, and <see cref="Packets"/> rounds. Without <see cref="Trees"/> every worker sends
/// <see cref="FlowBytes"/> to its app's master each round; with it the app is a tree of fanout <see cref="Fanout"/>
/// and each edge moves the model down and the update up (see <see cref="PlanningWorkload"/>).
/// </summary>
public sealed record PlanningSimConfig(
    ulong Seed,
    string Planner,
    double Epsilon = 0.05,
    int Packets = 1000,
    int Nodes = 40,
    int Apps = 5,
    int FlowsPerApp = 4,
    double FlowBytes = 1_000_000,
    int PathsPerFlow = 8,
    int MaxHops = 10,
    bool Trees = false,
    int Fanout = 2);
