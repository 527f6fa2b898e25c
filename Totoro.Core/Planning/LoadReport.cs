using System.Buffers.Binary;

namespace Totoro.Core.Planning;

/// <summary>
/// What a node tells the peers it exchanges tree traffic with about its own links: the tree bytes per round its
/// uplink and downlink carry (every app's flows through it), the uplink rate it measured from its own acks and the
/// downlink rate it measured from back-to-back arrivals (0: not yet). Carried in acks and probe answers; a planner
/// weighs the others' load on a link it shares with them.
/// </summary>
public readonly record struct LoadReport(long UpBytesPerRound, long DownBytesPerRound, double UpBytesPerMicro, double DownBytesPerMicro = 0)
{
    public const int EncodedSize = 32;

    public bool IsKnown => UpBytesPerMicro > 0;

    public void Encode(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, UpBytesPerRound);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], DownBytesPerRound);
        BinaryPrimitives.WriteDoubleBigEndian(destination[16..], UpBytesPerMicro);
        BinaryPrimitives.WriteDoubleBigEndian(destination[24..], DownBytesPerMicro);
    }

    public byte[] Encode()
    {
        var bytes = new byte[EncodedSize];
        Encode(bytes);
        return bytes;
    }

    /// <summary>Reads a report; false (and the default) for bytes of the wrong length or values out of range.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, out LoadReport report)
    {
        report = default;
        if (source.Length != EncodedSize)
            return false;
        long up = BinaryPrimitives.ReadInt64BigEndian(source);
        long down = BinaryPrimitives.ReadInt64BigEndian(source[8..]);
        double rate = BinaryPrimitives.ReadDoubleBigEndian(source[16..]);
        double downRate = BinaryPrimitives.ReadDoubleBigEndian(source[24..]);
        if (up < 0 || down < 0 || !double.IsFinite(rate) || rate < 0 || !double.IsFinite(downRate) || downRate < 0)
            return false;
        report = new LoadReport(up, down, rate, downRate);
        return true;
    }
}
