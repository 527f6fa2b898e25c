using Totoro.Sim.Kernel;

namespace Totoro.Sim.Network;

/// <summary>
/// A few continental cloud regions, nodes spread evenly over them. Between regions the one-way latency is half of
/// a measured inter-region RTT; inside a region it is the great-circle distance between the nodes (each within
/// about 800 km of the region's centre) at fibre speed with path inflation. Both ends add access latency.
/// </summary>
/// <remarks>
/// The RTT matrix is approximate: rounded medians of the kind published by public cloud inter-region latency
/// dashboards (e.g. AWS region-to-region ping tables such as cloudping.co), for us-east-1 (N. Virginia),
/// us-west-2 (Oregon), eu-west-1 (Ireland), ap-northeast-1 (Tokyo), ap-southeast-2 (Sydney), sa-east-1 (São Paulo).
/// </remarks>
public sealed class RegionsTopology : IRegionTopology
{
    public static readonly (string Name, double Latitude, double Longitude)[] Regions =
    [
        ("us-east", 38.95, -77.45), ("us-west", 45.60, -121.18), ("eu-west", 53.35, -6.26),
        ("ap-northeast", 35.68, 139.69), ("ap-southeast", -33.87, 151.21), ("sa-east", -23.55, -46.63),
    ];

    /// <summary>Round-trip times between regions in ms (symmetric).</summary>
    private static readonly int[,] RttMs =
    {
        { 0, 65, 70, 150, 200, 115 },
        { 65, 0, 125, 100, 140, 175 },
        { 70, 125, 0, 200, 255, 180 },
        { 150, 100, 200, 0, 105, 255 },
        { 200, 140, 255, 105, 0, 310 },
        { 115, 175, 180, 255, 310, 0 },
    };

    private const double SpreadKm = 800;

    private readonly GeoPoints _points;
    private readonly float[] _accessMicros;
    private readonly byte[] _region;
    private readonly double _accessMinMicros;
    private readonly double _accessSpanMicros;

    public RegionsTopology(int capacity, double accessMinMs = 1, double accessMaxMs = 5)
    {
        _points = new GeoPoints(capacity);
        _accessMicros = new float[capacity];
        _region = new byte[capacity];
        _accessMinMicros = accessMinMs * 1000;
        _accessSpanMicros = (accessMaxMs - accessMinMs) * 1000;
    }

    public string Name => "regions";

    public int BytesPerNode => (3 * 4) + 4 + 1;

    public int RegionCount => Regions.Length;

    public string RegionName(int region) => Regions[region].Name;

    public int RegionOf(int node) => _region[node];

    public void Place(int index, ref ulong random)
    {
        int region = index % Regions.Length; // interleaved, so every prefix of the join order spans the regions
        _region[index] = (byte)region;
        (_, double lat, double lon) = Regions[region];
        _points.PlaceNear(index, new GeoSite(lat, lon, 1, SpreadKm), ref random);
        _accessMicros[index] = (float)(_accessMinMicros + (_accessSpanMicros * SplitMix64.NextDouble(ref random)));
    }

    public long OneWayMicros(int from, int to)
    {
        if (from == to)
            return 0;
        int a = _region[from], b = _region[to];
        double propagation = a == b
            ? _points.DistanceKm(from, to) / EuaTopology.FibreKmPerMs * EuaTopology.PathInflation * 1000
            : RttMs[a, b] * 500.0;
        return (long)(propagation + _accessMicros[from] + _accessMicros[to]);
    }
}
