namespace Totoro.Core.Planning;

/// <summary>What every planner may use: the topology (not θ), the flows, their candidate paths and the link estimates.</summary>
public sealed record PlanningContext(FlowGraph Graph, IReadOnlyList<PlanFlow> Flows, IReadOnlyList<IReadOnlyList<PlanPath>> Strategies, LinkEstimator Estimator);
