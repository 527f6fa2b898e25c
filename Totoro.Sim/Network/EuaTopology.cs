using Totoro.Sim.Kernel;

namespace Totoro.Sim.Network;

/// <summary>
/// Australian edge sites shaped like the EUA data set (95,271 cellular base stations): its published per-region
/// counts, scaled to N; each node sits near one of its region's main population centres. One-way latency is the
/// great-circle distance at the speed of light in fibre (about 200 km/ms), times a path-inflation factor for
/// fibre that does not run straight, plus both ends' access (last-mile) latency.
/// </summary>
/// <remarks>
/// Coordinates are approximate public geography (city centres from any atlas, rounded to about 0.01°), and the
/// spreads and weights are rough guesses at where base stations cluster, not data. ISL is taken to be the offshore
/// islands (Norfolk, Lord Howe), EXT the external territories (Christmas, Cocos), ANT the Antarctic stations; WLD
/// is not described with the counts and is placed at Macquarie Island as an assumption.
/// Path inflation 1.6 is in the 1.5–2 range that Internet path-inflation studies report for terrestrial routes.
/// </remarks>
public sealed class EuaTopology : IRegionTopology
{
    /// <summary>Published EUA counts per region; they sum to 95,271.</summary>
    public static readonly (string Name, int Count)[] Published =
    [
        ("NSW", 24_574), ("QLD", 21_576), ("VIC", 18_163), ("WA", 15_933), ("SA", 7_682), ("TAS", 3_213),
        ("NT", 3_137), ("ACT", 931), ("ISL", 36), ("ANT", 15), ("EXT", 8), ("WLD", 3),
    ];

    public const double FibreKmPerMs = 200;

    public const double PathInflation = 1.6;

    private static readonly GeoSite[][] Sites =
    [
        // NSW: Sydney, Newcastle, Wollongong, Central West, North Coast, Riverina
        [new(-33.87, 151.21, 0.55, 60), new(-32.93, 151.78, 0.12, 40), new(-34.42, 150.89, 0.08, 30), new(-32.25, 148.60, 0.10, 200), new(-30.30, 153.11, 0.08, 120), new(-35.12, 147.37, 0.07, 150)],
        // QLD: Brisbane, Gold Coast, Sunshine Coast, Townsville, Cairns, Darling Downs, Central Queensland
        [new(-27.47, 153.03, 0.50, 60), new(-28.02, 153.40, 0.10, 30), new(-26.65, 153.07, 0.07, 30), new(-19.26, 146.82, 0.08, 100), new(-16.92, 145.77, 0.08, 100), new(-27.56, 151.95, 0.07, 150), new(-22.00, 149.50, 0.10, 200)],
        // VIC: Melbourne, Geelong, Ballarat–Bendigo, Gippsland, the north
        [new(-37.81, 144.96, 0.70, 50), new(-38.15, 144.36, 0.08, 30), new(-37.10, 143.90, 0.10, 80), new(-38.10, 146.50, 0.06, 100), new(-36.00, 144.00, 0.06, 200)],
        // WA: Perth, South West, Pilbara, Kimberley, Goldfields
        [new(-31.95, 115.86, 0.70, 60), new(-33.60, 115.70, 0.10, 80), new(-20.74, 116.85, 0.07, 200), new(-17.96, 122.24, 0.05, 200), new(-30.75, 121.47, 0.08, 150)],
        // SA: Adelaide, Spencer Gulf, South East, outback
        [new(-34.93, 138.60, 0.75, 50), new(-33.00, 137.60, 0.12, 100), new(-37.83, 140.78, 0.08, 80), new(-29.00, 134.75, 0.05, 300)],
        // TAS: Hobart, Launceston, North West coast
        [new(-42.88, 147.33, 0.50, 40), new(-41.44, 147.14, 0.30, 40), new(-41.05, 145.90, 0.20, 50)],
        // NT: Darwin, Alice Springs, Katherine
        [new(-12.46, 130.84, 0.65, 40), new(-23.70, 133.88, 0.20, 50), new(-14.47, 132.26, 0.15, 150)],
        // ACT: Canberra
        [new(-35.28, 149.13, 1.00, 15)],
        // ISL: Norfolk Island, Lord Howe Island
        [new(-29.04, 167.95, 0.50, 5), new(-31.55, 159.08, 0.50, 5)],
        // ANT: Casey, Davis, Mawson
        [new(-66.28, 110.53, 0.34, 2), new(-68.58, 77.97, 0.33, 2), new(-67.60, 62.87, 0.33, 2)],
        // EXT: Christmas Island, Cocos (Keeling) Islands
        [new(-10.49, 105.62, 0.50, 5), new(-12.19, 96.83, 0.50, 5)],
        // WLD: Macquarie Island (assumption)
        [new(-54.50, 158.94, 1.00, 2)],
    ];

    private readonly GeoPoints _points;
    private readonly float[] _accessMicros;
    private readonly byte[] _region;
    private readonly int[] _cumulative;
    private readonly long _stride;
    private readonly int _nodes;
    private readonly double _accessMinMicros;
    private readonly double _accessSpanMicros;

    /// <param name="capacity">Number of nodes that will be placed (the N the counts are scaled to).</param>
    public EuaTopology(int capacity, double accessMinMs = 1, double accessMaxMs = 5)
    {
        _nodes = capacity;
        _points = new GeoPoints(capacity);
        _accessMicros = new float[capacity];
        _region = new byte[capacity];
        Counts = RegionCounts.Scale(Published.Select(p => p.Count).ToArray(), capacity);
        _cumulative = new int[Counts.Length];
        int sum = 0;
        for (int r = 0; r < Counts.Length; r++)
            _cumulative[r] = sum += Counts[r];
        _stride = RegionCounts.Stride(capacity);
        _accessMinMicros = accessMinMs * 1000;
        _accessSpanMicros = (accessMaxMs - accessMinMs) * 1000;
    }

    /// <summary>Nodes per region after scaling to N.</summary>
    public int[] Counts { get; }

    public string Name => "eua";

    public int BytesPerNode => (3 * 4) + 4 + 1;

    public int RegionCount => Published.Length;

    public string RegionName(int region) => Published[region].Name;

    public int RegionOf(int node) => _region[node];

    /// <summary>Where a placed node sits (degrees), for maps of trees (paper Fig. 5d).</summary>
    public (double Latitude, double Longitude) Position(int node) => _points.LatLon(node);

    /// <summary>Great-circle distance between two placed nodes.</summary>
    public double DistanceKm(int a, int b) => _points.DistanceKm(a, b);

    public void Place(int index, ref ulong random)
    {
        int region = RegionCounts.RegionOfSlot(_cumulative, index * _stride % _nodes);
        _region[index] = (byte)region;
        _points.PlaceNear(index, GeoPoints.Pick(Sites[region], ref random), ref random);
        _accessMicros[index] = (float)(_accessMinMicros + (_accessSpanMicros * SplitMix64.NextDouble(ref random)));
    }

    public long OneWayMicros(int from, int to)
    {
        if (from == to)
            return 0;
        double propagation = _points.DistanceKm(from, to) / FibreKmPerMs * PathInflation * 1000;
        return (long)(propagation + _accessMicros[from] + _accessMicros[to]);
    }
}
