namespace Totoro.Sim.Scenarios;

/// <summary>The topologies a sim can run on (see Totoro.Sim/Network).</summary>
public enum TopologyKind
{
    Flat,
    Eua,
    Regions,
}
