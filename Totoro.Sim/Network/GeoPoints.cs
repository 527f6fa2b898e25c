using Totoro.Sim.Kernel;

namespace Totoro.Sim.Network;

/// <summary>
/// Points on the globe kept as unit vectors (three floats per node), so a great-circle distance is one dot
/// product and one asin, with no trigonometry per message on latitudes and longitudes.
/// </summary>
internal sealed class GeoPoints(int capacity)
{
    public const double EarthRadiusKm = 6371.0;

    private readonly Point[] _points = new Point[capacity]; // one array of structs: a distance reads one cache line per node

    public void Set(int index, double latitude, double longitude)
    {
        double lat = latitude * Math.PI / 180, lon = longitude * Math.PI / 180;
        _points[index] = new Point((float)(Math.Cos(lat) * Math.Cos(lon)), (float)(Math.Cos(lat) * Math.Sin(lon)), (float)Math.Sin(lat));
    }

    /// <summary>A point's latitude and longitude in degrees (for maps).</summary>
    public (double Latitude, double Longitude) LatLon(int index) =>
        (Math.Asin(_points[index].Z) * 180 / Math.PI, Math.Atan2(_points[index].Y, _points[index].X) * 180 / Math.PI);

    /// <summary>Great-circle distance in km (via the chord: 2·asin(chord / 2)).</summary>
    public double DistanceKm(int a, int b)
    {
        ref readonly Point p = ref _points[a];
        ref readonly Point q = ref _points[b];
        double dx = p.X - q.X, dy = p.Y - q.Y, dz = p.Z - q.Z;
        double chord = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, chord / 2));
    }

    /// <summary>Places a point uniformly in a disc of the site's spread around it.</summary>
    public void PlaceNear(int index, GeoSite site, ref ulong random)
    {
        double d = site.SpreadKm * Math.Sqrt(SplitMix64.NextDouble(ref random));
        double theta = 2 * Math.PI * SplitMix64.NextDouble(ref random);
        double lat = site.Latitude + (d * Math.Cos(theta) / 111.2);
        double lon = site.Longitude + (d * Math.Sin(theta) / (111.2 * Math.Max(0.05, Math.Cos(site.Latitude * Math.PI / 180))));
        Set(index, Math.Clamp(lat, -89.9, 89.9), lon);
    }

    /// <summary>Picks a site of a region by weight.</summary>
    public static GeoSite Pick(GeoSite[] sites, ref ulong random)
    {
        double total = 0;
        foreach (GeoSite s in sites)
            total += s.Weight;
        double u = SplitMix64.NextDouble(ref random) * total;
        foreach (GeoSite s in sites)
        {
            u -= s.Weight;
            if (u < 0)
                return s;
        }

        return sites[^1];
    }

    private readonly record struct Point(float X, float Y, float Z);
}
