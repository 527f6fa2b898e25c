namespace Totoro.Sim.Scenarios;

/// <summary>
/// The planning scenario: a seeded edge-overlay-like graph, <see cref="Apps"/> apps whose workers each send
/// <see cref="FlowBytes"/> to the app's master every round, and <see cref="Packets"/> rounds.
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
    int MaxHops = 10);
