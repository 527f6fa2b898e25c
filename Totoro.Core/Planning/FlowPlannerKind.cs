namespace Totoro.Core.Planning;

/// <summary>The planners a run can route the forest's own flows with (`--planner`).</summary>
public static class FlowPlannerKind
{
    public static readonly IReadOnlyList<string> Names = ["static", "bandit", "game"];

    /// <param name="moveThreshold">The relative gain a flow must believe before it moves.</param>
    public static IFlowPlanner Create(string name, double moveThreshold) => name switch
    {
        "static" => StaticFlowPlanner.Instance,
        "bandit" => new LearningFlowPlanner("bandit", loadAware: false, moveThreshold),
        "game" => new LearningFlowPlanner("game", loadAware: true, moveThreshold),
        _ => throw new ArgumentException($"Unknown planner '{name}': use {string.Join(", ", Names)}.", nameof(name)),
    };
}
