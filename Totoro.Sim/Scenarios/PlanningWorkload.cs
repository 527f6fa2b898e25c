using Totoro.Core.Planning;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// The players of the planning scenario: per app a master and <see cref="PlanningSimConfig.FlowsPerApp"/> distinct
/// workers on graph nodes. Star (default): one worker→master flow each. Trees: the members form a tree of fanout
/// <see cref="PlanningSimConfig.Fanout"/> in draw order (member k's parent is member (k−1)/fanout) and every edge
/// carries a parent→child model flow and a child→parent update flow, all of <see cref="PlanningSimConfig.FlowBytes"/>.
/// </summary>
public sealed record PlanningWorkload(List<PlanFlow> Flows, List<IReadOnlyList<PlanPath>> Strategies, List<PlanningTree> Trees)
{
    public static PlanningWorkload Build(PlanningSimConfig config, FlowGraph graph, ref ulong rng)
    {
        var workload = new PlanningWorkload([], [], []);
        for (int app = 0; app < config.Apps; app++)
        {
            int master = SplitMix64.NextInt(ref rng, graph.NodeCount);
            var members = new List<int> { master };
            var seen = new HashSet<int>();
            while (members.Count - 1 < Math.Min(config.FlowsPerApp, graph.NodeCount - 1))
            {
                int w = SplitMix64.NextInt(ref rng, graph.NodeCount);
                if (w != master && seen.Add(w))
                    members.Add(w);
            }

            workload.AddTree(config, graph, members);
        }

        return workload;
    }

    private void AddTree(PlanningSimConfig config, FlowGraph graph, List<int> members)
    {
        int n = members.Count;
        var parents = new int[n];
        var down = new int[n];
        var up = new int[n];
        parents[0] = -1;
        down[0] = -1;
        up[0] = -1;
        for (int k = 1; k < n; k++)
        {
            parents[k] = config.Trees ? (k - 1) / config.Fanout : 0;
            down[k] = config.Trees ? Add(members[parents[k]], members[k]) : -1;
            up[k] = Add(members[k], members[parents[k]]);
        }

        Trees.Add(new PlanningTree(members, parents, down, up));

        int Add(int source, int destination)
        {
            Flows.Add(new PlanFlow(source, destination, config.FlowBytes));
            Strategies.Add(PathSet.KShortest(graph, source, destination, config.PathsPerFlow, config.MaxHops));
            return Flows.Count - 1;
        }
    }
}
