using System.Buffers.Binary;

namespace Totoro.Core.Learning;

/// <summary>
/// The master's state apart from its model, as it rides in a replica's attachment: version u8 | round i32 (the
/// round broadcast; rounds before it are done) | elapsed i64 (µs of training up to that broadcast, on the master's
/// clock; version 2 held a start time on that clock instead, which no other host can read: decoded as unknown, −1) | target reached f64 (NaN: not yet) | last
/// accuracy f64 | records i32 | per record round i32, end f64, seconds f64, participants i32, contributions i64,
/// accuracy f64, loss f64 | rule state, selector state, silent workers (i32 each), the app's extra state: each an i32
/// length + bytes | stopped u8 | rejected i64. Big endian; the decoder is total.
/// </summary>
public static class MasterCheckpoint
{
    private const byte Version = 3;
    private const byte StartTimeVersion = 2;
    private const int Header = 1 + 4 + 8 + 8 + 8 + 4;
    private const int RecordBytes = 4 + 8 + 8 + 4 + 8 + 8 + 8;

    public sealed record State(int Round, long ElapsedMicros, double TargetReachedSeconds, double LastAccuracy, IReadOnlyList<RoundRecord> History, byte[] Rule, byte[] Selector)
    {
        /// <summary>Silent workers as (worker, misses in a row, first round it may be asked again) triples.</summary>
        public int[] Silent { get; init; } = [];

        public bool Stopped { get; init; }

        public long Rejected { get; init; }

        /// <summary>The app's own state (its roster), opaque here.</summary>
        public byte[] Extra { get; init; } = [];
    }

    public static byte[] Encode(State state)
    {
        byte[] silent = new byte[4 * state.Silent.Length];
        for (int i = 0; i < state.Silent.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(silent.AsSpan(4 * i), state.Silent[i]);
        var bytes = new byte[Header + (RecordBytes * state.History.Count) + 16 + state.Rule.Length + state.Selector.Length + silent.Length + state.Extra.Length + 9];
        Span<byte> span = bytes;
        span[0] = Version;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], state.Round);
        BinaryPrimitives.WriteInt64BigEndian(span[5..], state.ElapsedMicros);
        BinaryPrimitives.WriteDoubleBigEndian(span[13..], state.TargetReachedSeconds);
        BinaryPrimitives.WriteDoubleBigEndian(span[21..], state.LastAccuracy);
        BinaryPrimitives.WriteInt32BigEndian(span[29..], state.History.Count);
        int at = Header;
        foreach (RoundRecord r in state.History)
        {
            BinaryPrimitives.WriteInt32BigEndian(span[at..], r.Round);
            BinaryPrimitives.WriteDoubleBigEndian(span[(at + 4)..], r.EndSeconds);
            BinaryPrimitives.WriteDoubleBigEndian(span[(at + 12)..], r.RoundSeconds);
            BinaryPrimitives.WriteInt32BigEndian(span[(at + 20)..], r.Participants);
            BinaryPrimitives.WriteInt64BigEndian(span[(at + 24)..], r.Contributions);
            BinaryPrimitives.WriteDoubleBigEndian(span[(at + 32)..], r.Accuracy);
            BinaryPrimitives.WriteDoubleBigEndian(span[(at + 40)..], r.Loss);
            at += RecordBytes;
        }

        foreach (byte[] part in (byte[][])[state.Rule, state.Selector, silent, state.Extra])
        {
            BinaryPrimitives.WriteInt32BigEndian(span[at..], part.Length);
            part.CopyTo(span[(at + 4)..]);
            at += 4 + part.Length;
        }

        span[at] = state.Stopped ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 1)..], state.Rejected);
        return bytes;
    }

    public static bool TryDecode(ReadOnlySpan<byte> bytes, out State? state)
    {
        state = null;
        if (bytes.Length < Header + 16 + 9 || bytes[0] is not (Version or StartTimeVersion))
            return false;
        int round = BinaryPrimitives.ReadInt32BigEndian(bytes[1..]);
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes[29..]);
        if (round < 1 || count < 0 || (long)count * RecordBytes > bytes.Length - Header - 8)
            return false;
        var history = new RoundRecord[count];
        int at = Header;
        for (int i = 0; i < count; i++, at += RecordBytes)
        {
            history[i] = new RoundRecord(
                BinaryPrimitives.ReadInt32BigEndian(bytes[at..]),
                BinaryPrimitives.ReadDoubleBigEndian(bytes[(at + 4)..]),
                BinaryPrimitives.ReadDoubleBigEndian(bytes[(at + 12)..]),
                BinaryPrimitives.ReadInt32BigEndian(bytes[(at + 20)..]),
                BinaryPrimitives.ReadInt64BigEndian(bytes[(at + 24)..]),
                BinaryPrimitives.ReadDoubleBigEndian(bytes[(at + 32)..]),
                BinaryPrimitives.ReadDoubleBigEndian(bytes[(at + 40)..]));
        }

        var parts = new byte[4][];
        for (int p = 0; p < parts.Length; p++)
        {
            if (bytes.Length - at < 4)
                return false;
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes[at..]);
            if (length < 0 || length > bytes.Length - at - 4)
                return false;
            parts[p] = bytes.Slice(at + 4, length).ToArray();
            at += 4 + length;
        }

        if (at != bytes.Length - 9 || bytes[at] > 1 || parts[2].Length % 4 != 0)
            return false;
        var silent = new int[parts[2].Length / 4];
        for (int i = 0; i < silent.Length; i++)
            silent[i] = BinaryPrimitives.ReadInt32BigEndian(parts[2].AsSpan(4 * i));
        long elapsed = bytes[0] == Version ? BinaryPrimitives.ReadInt64BigEndian(bytes[5..]) : -1;
        state = new State(round, elapsed, BinaryPrimitives.ReadDoubleBigEndian(bytes[13..]),
            BinaryPrimitives.ReadDoubleBigEndian(bytes[21..]), history, parts[0], parts[1])
        {
            Silent = silent,
            Extra = parts[3],
            Stopped = bytes[at] == 1,
            Rejected = BinaryPrimitives.ReadInt64BigEndian(bytes[(at + 1)..]),
        };
        return true;
    }
}
