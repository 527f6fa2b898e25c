using Totoro.Core.Runtime;

namespace Totoro.Core.Rings;

/// <summary>
/// How ids carry their zone: the top m = ceil(log2 M) bits of a 128-bit id are the zone, the rest is the in-zone
/// suffix. With one zone m = 0 and every id is in zone 0, so the overlay is exactly the flat ring.
/// </summary>
public sealed class ZoneMap
{
    public ZoneMap(int zones)
    {
        if (zones is < 1 or > 256)
            throw new ArgumentOutOfRangeException(nameof(zones), zones, "The number of zones must be from 1 to 256.");
        Zones = zones;
        PrefixBits = zones == 1 ? 0 : 32 - (int)uint.LeadingZeroCount((uint)(zones - 1));
    }

    /// <summary>M, the number of zones (ids 0 … M−1); prefixes from M to 2^m − 1 name no zone.</summary>
    public int Zones { get; }

    /// <summary>m, the width of the zone prefix in bits.</summary>
    public int PrefixBits { get; }

    public int ZoneOf(NodeId id) => PrefixBits == 0 ? 0 : (int)(id.Value >> (NodeId.Bits - PrefixBits));

    /// <summary>An id in <paramref name="zone"/> whose suffix is the low 128 − m bits of <paramref name="random"/>.</summary>
    public NodeId Compose(int zone, NodeId random)
    {
        if ((uint)zone >= (uint)Zones)
            throw new ArgumentOutOfRangeException(nameof(zone), zone, $"Zones run from 0 to {Zones - 1}.");
        if (PrefixBits == 0)
            return random;
        UInt128 suffixMask = UInt128.MaxValue >> PrefixBits;
        return new NodeId(((UInt128)(uint)zone << (NodeId.Bits - PrefixBits)) | (random.Value & suffixMask));
    }
}
