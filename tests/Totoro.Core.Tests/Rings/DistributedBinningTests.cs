using Totoro.Core.Rings;

namespace Totoro.Core.Tests.Rings;

public class DistributedBinningTests
{
    // Four clusters 1000 km apart, 40 nodes each within 20 km of their centre; RTT grows with distance.
    private static readonly (double X, double Y)[] Centres = [(0, 0), (1000, 0), (0, 1000), (1000, 1000)];

    [Fact]
    public void Nodes_of_well_separated_clusters_land_in_one_zone_per_cluster()
    {
        (double X, double Y)[] nodes = Clusters(perCluster: 40, seed: 7);
        long Rtt(int a, int b) => (long)(10 * Math.Sqrt(Math.Pow(nodes[a].X - nodes[b].X, 2) + Math.Pow(nodes[a].Y - nodes[b].Y, 2)));

        int[] landmarks = DistributedBinning.SpreadLandmarks(4, nodes.Length, Rtt);
        int[] zone = new int[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
            zone[i] = DistributedBinning.Bin(landmarks.Select(l => Rtt(i, l)).ToArray());

        int[] zoneOfCluster = Enumerable.Range(0, Centres.Length).Select(c => zone[c * 40]).ToArray();
        Assert.Equal(4, zoneOfCluster.Distinct().Count());
        for (int i = 0; i < nodes.Length; i++)
            Assert.Equal(zoneOfCluster[i / 40], zone[i]);
    }

    [Fact]
    public void A_node_joins_the_nearest_landmark_and_orders_the_rest_by_rtt()
    {
        Assert.Equal(2, DistributedBinning.Bin([30, 20, 5, 40]));
        Assert.Equal(0, DistributedBinning.Bin([5, 5, 9])); // ties to the lower landmark
        Assert.Equal([2, 1, 0, 3], DistributedBinning.Ordering([30, 20, 5, 40]));
    }

    [Fact]
    public void Landmarks_are_spread_out_not_bunched()
    {
        (double X, double Y)[] nodes = Clusters(perCluster: 10, seed: 3);
        long Rtt(int a, int b) => (long)Math.Sqrt(Math.Pow(nodes[a].X - nodes[b].X, 2) + Math.Pow(nodes[a].Y - nodes[b].Y, 2));
        int[] landmarks = DistributedBinning.SpreadLandmarks(4, nodes.Length, Rtt);
        Assert.Equal(4, landmarks.Select(l => l / 10).Distinct().Count());
    }

    private static (double X, double Y)[] Clusters(int perCluster, int seed)
    {
        var random = new Random(seed);
        var nodes = new (double X, double Y)[Centres.Length * perCluster];
        for (int i = 0; i < nodes.Length; i++)
        {
            (double x, double y) = Centres[i / perCluster];
            nodes[i] = (x + ((random.NextDouble() - 0.5) * 40), y + ((random.NextDouble() - 0.5) * 40));
        }

        return nodes;
    }
}
