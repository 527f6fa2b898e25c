using Totoro.Sim.Network;

namespace Totoro.Sim.Scenarios;

/// <summary>The topologies a sim can run on (see Totoro.Sim/Network).</summary>
public enum TopologyKind
{
    Flat,
    Eua,
    Regions,
}

/// <summary>Makes the topology a kind names.</summary>
public static class TopologyKinds
{
    public static ITopology Create(TopologyKind kind, int capacity) => kind switch
    {
        TopologyKind.Eua => new EuaTopology(capacity),
        TopologyKind.Regions => new RegionsTopology(capacity),
        _ => new FlatTopology(capacity),
    };
}
