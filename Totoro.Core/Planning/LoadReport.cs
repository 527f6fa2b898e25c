using System.Buffers.Binary;

namespace Totoro.Core.Planning;

/// <summary>
/// What a node tells the peers it exchanges tree traffic with about its own links: the tree bytes per round its
/// uplink and downlink carry (every app's flows through it), and the uplink rate it measured from its own acks.
/// Carried in acks and probe answers; a planner weighs the others' load on a link it shares with them.
/// </summary>
public readonly record struct LoadReport(long UpBytesPerRound, long DownBytesPerRound, double UpBytesPerMicro)
{
    public const int EncodedSize = 24;

    public bool IsKnown => UpBytesPerMicro > 0;

    public void Encode(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, UpBytesPerRound);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], DownBytesPerRound);
        BinaryPrimitives.WriteDoubleBigEndian(destination[16..], UpBytesPerMicro);
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
        if (up < 0 || down < 0 || !double.IsFinite(rate) || rate < 0)
            return false;
        report = new LoadReport(up, down, rate);
        return true;
    }
}
