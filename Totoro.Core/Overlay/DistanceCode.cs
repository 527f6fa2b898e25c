namespace Totoro.Core.Overlay;

/// <summary>
/// A ring distance squeezed into 31 bits that keeps its order (a tiny float: the position of the leading one, then
/// the next 24 bits), so that a node can keep how far its leaf set reaches in 8 bytes and turn away the usual offer
/// (a peer beyond both ends) without loading the far members' ids. Codes of different distances may be equal; only
/// then must the exact distance be asked for.
/// </summary>
internal static class DistanceCode
{
    /// <summary>Not measured (no distance has this code).</summary>
    public const uint Unknown = 0;

    /// <summary>The code of <paramref name="distance"/>: <c>a &lt; b</c> implies <c>Of(a) &lt;= Of(b)</c>.</summary>
    public static uint Of(UInt128 distance)
    {
        if (distance == UInt128.Zero)
            return 1u << 31;
        int exponent = 127 - (int)UInt128.LeadingZeroCount(distance);
        uint mantissa = (uint)((distance << (127 - exponent)) >> 103) & 0xFF_FFFF; // the 24 bits after the leading one
        return (1u << 31) | ((uint)exponent << 24) | mantissa;
    }
}
