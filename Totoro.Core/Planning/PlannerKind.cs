namespace Totoro.Core.Planning;

/// <summary>The planners the simulator can compare.</summary>
public static class PlannerKind
{
    public static readonly IReadOnlyList<string> Names = ["static", "bandit", "e2e", "nexthop", "game"];

    public static IPathPlanner Create(string name, PlanningContext context, double epsilon) => name switch
    {
        "static" => new StaticPlanner(context),
        "bandit" => new BanditPlanner(context),
        "e2e" => new EndToEndPlanner(context),
        "nexthop" => new NextHopPlanner(context),
        "game" => new GamePlanner(context, epsilon),
        _ => throw new ArgumentException($"Unknown planner '{name}'.", nameof(name)),
    };
}
