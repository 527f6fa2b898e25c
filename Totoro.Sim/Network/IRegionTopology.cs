namespace Totoro.Sim.Network;

/// <summary>A topology whose nodes each belong to a named region (the ground truth zones are measured against).</summary>
public interface IRegionTopology : ITopology
{
    int RegionCount { get; }

    string RegionName(int region);

    int RegionOf(int node);
}
