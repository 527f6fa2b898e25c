namespace Totoro.Core.Planning;

/// <summary>Baseline `static`: every flow always takes its shortest base-latency path; no learning.</summary>
public sealed class StaticPlanner(PlanningContext context) : IPathPlanner
{
    public string Name => "static";

    public int Moves => 0;

    public IReadOnlyList<PlanPath> Choose(long slot) => [.. context.Strategies.Select(s => s[0])];

    public void Observe(int flow, PlanPath path, double delayMicros)
    {
    }
}
