namespace Totoro.Core.Planning;

/// <summary>The planners a run can route the forest's own flows with (`--planner`).</summary>
public static class FlowPlannerKind
{
    public static readonly IReadOnlyList<string> Names = ["static", "bandit", "game"];

    public static IFlowPlanner Create(string name, double epsilon) => name switch
    {
        "static" => StaticFlowPlanner.Instance,
        "bandit" => new LearningFlowPlanner("bandit", loadAware: false, epsilon),
        "game" => new LearningFlowPlanner("game", loadAware: true, epsilon),
        _ => throw new ArgumentException($"Unknown planner '{name}': use {string.Join(", ", Names)}.", nameof(name)),
    };
}
