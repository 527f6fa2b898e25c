namespace Totoro.Sim.Scenarios;

/// <summary>
/// One app's tree over graph nodes for the planning scenario: member 0 is the master, member k's parent is
/// <c>Parents[k]</c> (always an earlier member). Each edge carries a down flow (parent→child, the model) and/or an up
/// flow (child→parent, the update); -1 where a direction has no flow (the worker→master star has only up flows).
/// </summary>
public sealed class PlanningTree
{
    public PlanningTree(IReadOnlyList<int> members, IReadOnlyList<int> parents, IReadOnlyList<int> downFlows, IReadOnlyList<int> upFlows)
    {
        if (members.Count == 0 || parents.Count != members.Count || downFlows.Count != members.Count || upFlows.Count != members.Count)
            throw new ArgumentException("One parent, down flow and up flow entry per member.");
        for (int k = 1; k < members.Count; k++)
        {
            if (parents[k] < 0 || parents[k] >= k)
                throw new ArgumentException($"Member {k}'s parent must be an earlier member (got {parents[k]}).");
        }

        Members = members;
        Parents = parents;
        DownFlows = downFlows;
        UpFlows = upFlows;
    }

    /// <summary>Graph nodes of the members; [0] is the master.</summary>
    public IReadOnlyList<int> Members { get; }

    public IReadOnlyList<int> Parents { get; }

    public IReadOnlyList<int> DownFlows { get; }

    public IReadOnlyList<int> UpFlows { get; }

    /// <summary>
    /// The round time given every flow's delay this round: the model reaches member k at
    /// arrival(parent) + down delay; a member sends its update once it has the model and every child's update
    /// (ready = max(arrival, max over children of ready(child) + up delay)); the round ends when the master is ready.
    /// Training time is left out: it is the same whatever the paths.
    /// </summary>
    public double RoundTime(IReadOnlyList<double> flowDelays)
    {
        int n = Members.Count;
        var ready = new double[n];
        for (int k = 1; k < n; k++)
            ready[k] = ready[Parents[k]] + Delay(DownFlows[k]);

        // Children come after their parents, so a backward sweep sees every child's ready time before its parent's.
        for (int k = n - 1; k >= 1; k--)
            ready[Parents[k]] = Math.Max(ready[Parents[k]], ready[k] + Delay(UpFlows[k]));
        return ready[0];

        double Delay(int flow) => flow < 0 ? 0 : flowDelays[flow];
    }
}
