using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Totoro.Core.Runtime;

/// <summary>
/// A 128-bit position on the identifier circle. Node ids and keys (app ids, lookup keys) share it.
/// Digits are read from the most significant end, b bits each; with b not dividing 128 the last digit is shorter.
/// </summary>
public readonly record struct NodeId(UInt128 Value) : IComparable<NodeId>
{
    public const int Bits = 128;

    public static NodeId Zero => default;

    public int CompareTo(NodeId other) => Value.CompareTo(other.Value);

    /// <summary>Number of b-bit digits in an id (the last one may be shorter).</summary>
    public static int DigitCount(int b) => (Bits + b - 1) / b;

    /// <summary>The i-th digit (0 = most significant) in base 2^b.</summary>
    public int Digit(int index, int b)
    {
        int start = index * b;
        int width = Math.Min(b, Bits - start);
        return (int)((Value << start) >> (Bits - width));
    }

    /// <summary>How many leading b-bit digits this id shares with another.</summary>
    public int SharedPrefixDigits(NodeId other, int b)
    {
        UInt128 diff = Value ^ other.Value;
        if (diff == UInt128.Zero)
            return DigitCount(b);
        return (int)UInt128.LeadingZeroCount(diff) / b;
    }

    /// <summary>Distance going clockwise (towards larger ids, wrapping) from this id to another.</summary>
    public UInt128 ClockwiseTo(NodeId other) => other.Value - Value;

    /// <summary>Circular distance: the shorter way round.</summary>
    public UInt128 DistanceTo(NodeId other)
    {
        UInt128 cw = other.Value - Value;
        UInt128 ccw = Value - other.Value;
        return cw < ccw ? cw : ccw;
    }

    /// <summary>
    /// True when <paramref name="a"/> is strictly closer to this key than <paramref name="b"/>;
    /// equal distances are broken by the smaller id so that "the closest node" is always one node.
    /// </summary>
    public bool IsCloser(NodeId a, NodeId b)
    {
        UInt128 da = DistanceTo(a), db = DistanceTo(b);
        return da < db || (da == db && a.Value < b.Value);
    }

    public static NodeId FromBytes(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    public void WriteBytes(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    /// <summary>An id from a hash of arbitrary bytes (SHA-256 truncated to 128 bits).</summary>
    public static NodeId Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(data, digest);
        return FromBytes(digest[..16]);
    }

    public static NodeId FromRandom(ulong high, ulong low) => new(new UInt128(high, low));

    public override string ToString() => Value.ToString("x32", CultureInfo.InvariantCulture);
}
