namespace Totoro.Core.Planning;

/// <summary>
/// Algorithm 1's hop-by-hop rule v' = argmin_w ω(v,w) + J(w), with J the cost-to-go over the flow's candidate
/// paths (the next hops that make routing progress). With the weights fixed within a slot, following that rule
/// from the source yields exactly the candidate path of least total weight, which is what this returns.
/// Keeping every planner on the same candidate paths makes regret and Nash gap comparable.
/// </summary>
internal static class CandidateRouting
{
    public static PlanPath Cheapest(IReadOnlyList<PlanPath> candidates, Func<int, double> weight)
    {
        PlanPath best = candidates[0];
        double bestCost = double.PositiveInfinity;
        foreach (PlanPath path in candidates)
        {
            double cost = 0;
            foreach (int link in path.Links)
                cost += weight(link);
            if (cost < bestCost)
            {
                best = path;
                bestCost = cost;
            }
        }

        return best;
    }
}
