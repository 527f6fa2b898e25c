using Totoro.Sim.Network;

namespace Totoro.Sim.Tests;

public class EuaPositionTests
{
    [Fact]
    public void PositionsAgreeWithDistancesAndRegions()
    {
        const int n = 2000;
        var eua = new EuaTopology(n);
        ulong random = 42;
        for (int i = 0; i < n; i++)
            eua.Place(i, ref random);

        for (int i = 0; i < n; i++)
        {
            (double lat, double lon) = eua.Position(i);
            string region = eua.RegionName(eua.RegionOf(i));
            // The mainland states and territories lie in 10–44° S, 112–154° E (a node may sit up to 300 km off a centre).
            if (region is "NSW" or "VIC" or "QLD" or "SA" or "WA" or "TAS" or "NT" or "ACT")
            {
                Assert.InRange(lat, -46, -9);
                Assert.InRange(lon, 111, 156);
            }

            // Oracle: the haversine distance between the reported positions equals the topology's own distance.
            int j = (i * 7919) % n;
            Assert.Equal(Haversine(eua.Position(i), eua.Position(j)), eua.DistanceKm(i, j), 0.5);
        }
    }

    private static double Haversine((double Lat, double Lon) a, (double Lat, double Lon) b)
    {
        double rad = Math.PI / 180;
        double dLat = (b.Lat - a.Lat) * rad, dLon = (b.Lon - a.Lon) * rad;
        double h = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2)) + (Math.Cos(a.Lat * rad) * Math.Cos(b.Lat * rad) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * 6371.0 * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
