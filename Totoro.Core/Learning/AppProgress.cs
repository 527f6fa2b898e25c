using System.Buffers.Binary;
using System.Text;

namespace Totoro.Core.Learning;

/// <summary>
/// An app as its root sees it, for `app status` and `app watch`: whether it is known, started, finished or stopped;
/// the round, accuracy and the last round's participants and merged updates; the workers enrolled and wanted; and
/// how honest the rounds were (rounds that merged fewer updates than they selected, updates rejected).
/// </summary>
public record AppProgress(string Name, bool Known)
{
    public bool Started { get; init; }

    public bool Finished { get; init; }

    public bool Stopped { get; init; }

    public int Round { get; init; }

    public int Rounds { get; init; }

    public double Accuracy { get; init; } = double.NaN;

    public int Participants { get; init; }

    public long Contributions { get; init; }

    public int Enrolled { get; init; }

    public int Wanted { get; init; }

    public double Seconds { get; init; }

    /// <summary>Rounds that did not merge exactly the updates they selected (fewer, or a shard counted twice).</summary>
    public int ShortRounds { get; init; }

    /// <summary>Updates the master refused (non-finite or malformed).</summary>
    public long Rejected { get; init; }

    /// <summary>Why the app cannot run here (its data cannot be loaded, its spec was refused), or null.</summary>
    public string? Error { get; init; }

    public byte[] Encode()
    {
        byte[] name = Encoding.UTF8.GetBytes(Name);
        byte[] error = Encoding.UTF8.GetBytes(Error ?? "");
        var bytes = new byte[1 + 4 + 4 + 8 + 4 + 8 + 4 + 4 + 8 + 4 + 8 + 2 + name.Length + 2 + error.Length];
        Span<byte> s = bytes;
        s[0] = (byte)((Known ? 1 : 0) | (Started ? 2 : 0) | (Finished ? 4 : 0) | (Stopped ? 8 : 0));
        BinaryPrimitives.WriteInt32BigEndian(s[1..], Round);
        BinaryPrimitives.WriteInt32BigEndian(s[5..], Rounds);
        BinaryPrimitives.WriteDoubleBigEndian(s[9..], Accuracy);
        BinaryPrimitives.WriteInt32BigEndian(s[17..], Participants);
        BinaryPrimitives.WriteInt64BigEndian(s[21..], Contributions);
        BinaryPrimitives.WriteInt32BigEndian(s[29..], Enrolled);
        BinaryPrimitives.WriteInt32BigEndian(s[33..], Wanted);
        BinaryPrimitives.WriteDoubleBigEndian(s[37..], Seconds);
        BinaryPrimitives.WriteInt32BigEndian(s[45..], ShortRounds);
        BinaryPrimitives.WriteInt64BigEndian(s[49..], Rejected);
        BinaryPrimitives.WriteUInt16BigEndian(s[57..], (ushort)name.Length);
        name.CopyTo(s[59..]);
        BinaryPrimitives.WriteUInt16BigEndian(s[(59 + name.Length)..], (ushort)error.Length);
        error.CopyTo(s[(61 + name.Length)..]);
        return bytes;
    }

    public static bool TryDecode(ReadOnlySpan<byte> s, out AppProgress? progress)
    {
        progress = null;
        if (s.Length < 61)
            return false;
        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(s[57..]);
        if (s.Length < 61 + nameLength)
            return false;
        int errorLength = BinaryPrimitives.ReadUInt16BigEndian(s[(59 + nameLength)..]);
        if (s.Length != 61 + nameLength + errorLength)
            return false;
        try
        {
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            string error = strict.GetString(s.Slice(61 + nameLength, errorLength));
            progress = new AppProgress(strict.GetString(s.Slice(59, nameLength)), (s[0] & 1) != 0)
            {
                Started = (s[0] & 2) != 0,
                Finished = (s[0] & 4) != 0,
                Stopped = (s[0] & 8) != 0,
                Round = BinaryPrimitives.ReadInt32BigEndian(s[1..]),
                Rounds = BinaryPrimitives.ReadInt32BigEndian(s[5..]),
                Accuracy = BinaryPrimitives.ReadDoubleBigEndian(s[9..]),
                Participants = BinaryPrimitives.ReadInt32BigEndian(s[17..]),
                Contributions = BinaryPrimitives.ReadInt64BigEndian(s[21..]),
                Enrolled = BinaryPrimitives.ReadInt32BigEndian(s[29..]),
                Wanted = BinaryPrimitives.ReadInt32BigEndian(s[33..]),
                Seconds = BinaryPrimitives.ReadDoubleBigEndian(s[37..]),
                ShortRounds = BinaryPrimitives.ReadInt32BigEndian(s[45..]),
                Rejected = BinaryPrimitives.ReadInt64BigEndian(s[49..]),
                Error = error.Length == 0 ? null : error,
            };
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
