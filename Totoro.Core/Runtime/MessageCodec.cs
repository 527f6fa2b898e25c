using System.Buffers.Binary;

namespace Totoro.Core.Runtime;

/// <summary>
/// The wire format. Versioned, length-checked and total: any byte string either decodes into a
/// <see cref="Message"/> or is rejected with a reason. No exception escapes a decode, and no allocation is
/// sized by a length the input has not already proven it carries.
/// </summary>
/// <remarks>
/// Layout (big endian): version u8 | kind u8 | flags u8 | row u8 | hops u16 | key 16 | stamp i64 |
/// origin peer-ref? (presence u8, then peer-ref) | peer count u16 | peer-ref × count.
/// A peer-ref is id 16 | address length u8 | address bytes.
/// </remarks>
public static class MessageCodec
{
    public const byte Version = 1;

    /// <summary>Upper bound on peers in one message: a full routing table of b = 5 plus a leaf set fits.</summary>
    public const int MaxPeers = 1100;

    /// <summary>Address size assumed when the simulator charges a message (IPv4 + port).</summary>
    public const int TypicalAddressBytes = 6;

    private const int FixedHeader = 1 + 1 + 1 + 1 + 2 + 16 + 8;
    private const int PeerRefFixed = 16 + 1;

    public static int EncodedSize(in Message message, int addressBytes)
    {
        int peerRef = PeerRefFixed + addressBytes;
        int origin = message.Origin.IsNone ? 1 : 1 + peerRef;
        return FixedHeader + origin + 2 + (message.PeerCount * peerRef);
    }

    /// <summary>Largest buffer <see cref="Encode"/> may need for this message with any address.</summary>
    public static int MaxEncodedSize(in Message message) => EncodedSize(message, IPeerDirectory.MaxAddressBytes);

    /// <summary>Writes the message; returns the bytes written. Throws only on caller bugs (buffer too small, too many peers).</summary>
    public static int Encode(in Message message, IPeerDirectory directory, Span<byte> destination)
    {
        if (!Enum.IsDefined(message.Kind))
            throw new ArgumentException($"Message kind {(byte)message.Kind} is not a known kind.", nameof(message));
        if (message.PeerCount > MaxPeers)
            throw new ArgumentException($"A message carries at most {MaxPeers} peers, not {message.PeerCount}.", nameof(message));
        if (destination.Length < MaxEncodedSize(message))
            throw new ArgumentException("Destination buffer is smaller than MaxEncodedSize.", nameof(destination));

        destination[0] = Version;
        destination[1] = (byte)message.Kind;
        destination[2] = (byte)message.Flags;
        destination[3] = message.Row;
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], message.Hops);
        message.Key.WriteBytes(destination[6..]);
        BinaryPrimitives.WriteInt64BigEndian(destination[22..], message.Stamp);
        int at = FixedHeader;
        if (message.Origin.IsNone)
        {
            destination[at++] = 0;
        }
        else
        {
            destination[at++] = 1;
            at += WritePeer(message.Origin, directory, destination[at..]);
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[at..], (ushort)message.PeerCount);
        at += 2;
        if (message.Peers is { } peers)
        {
            foreach (PeerHandle peer in peers)
                at += WritePeer(peer, directory, destination[at..]);
        }

        return at;
    }

    /// <summary>Encodes into a new array of exactly the right length.</summary>
    public static byte[] Encode(in Message message, IPeerDirectory directory)
    {
        var buffer = new byte[MaxEncodedSize(message)];
        int length = Encode(message, directory, buffer);
        return buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>Decodes a datagram. Returns false with a human-readable reason on any malformed input.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, IPeerDirectory directory, out Message message, out string? error)
    {
        message = default;
        if (data.Length < FixedHeader + 1 + 2)
            return Fail($"message of {data.Length} bytes is shorter than the {FixedHeader + 3}-byte header", out error);
        if (data[0] != Version)
            return Fail($"codec version {data[0]} is not supported (this build speaks version {Version})", out error);
        var kind = (MessageKind)data[1];
        if (!Enum.IsDefined(kind))
            return Fail($"unknown message kind {data[1]}", out error);
        var flags = (MessageFlags)data[2];
        if ((flags & ~(MessageFlags.Final | MessageFlags.ZoneLocal)) != 0)
            return Fail($"unknown flag bits 0x{data[2]:x2}", out error);

        byte row = data[3];
        ushort hops = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        NodeId key = NodeId.FromBytes(data[6..22]);
        long stamp = BinaryPrimitives.ReadInt64BigEndian(data[22..]);
        int at = FixedHeader;

        PeerHandle origin = PeerHandle.None;
        byte hasOrigin = data[at++];
        if (hasOrigin > 1)
            return Fail($"origin presence byte is {hasOrigin}, expected 0 or 1", out error);
        if (hasOrigin == 1 && !TryReadPeer(data, ref at, directory, out origin, out error))
            return false;

        if (data.Length - at < 2)
            return Fail("message ends before its peer count", out error);
        int count = BinaryPrimitives.ReadUInt16BigEndian(data[at..]);
        at += 2;
        if (count > MaxPeers)
            return Fail($"peer count {count} exceeds the limit of {MaxPeers}", out error);
        // Every peer-ref takes at least PeerRefFixed bytes: prove the input holds them before allocating.
        if ((long)count * PeerRefFixed > data.Length - at)
            return Fail($"peer count {count} needs more bytes than the {data.Length - at} that remain", out error);

        PeerHandle[]? peers = null;
        if (count > 0)
        {
            peers = new PeerHandle[count];
            for (int i = 0; i < count; i++)
            {
                if (!TryReadPeer(data, ref at, directory, out peers[i], out error))
                    return false;
            }
        }

        if (at != data.Length)
            return Fail($"{data.Length - at} trailing bytes after the message", out error);
        if (!IsWellFormed(kind, origin, count, out error))
            return false;

        message = new Message
        {
            Kind = kind,
            Flags = flags,
            Row = row,
            Hops = hops,
            Key = key,
            Stamp = stamp,
            Origin = origin,
            Peers = peers,
        };
        return true;
    }

    /// <summary>Rules that each kind imposes beyond the common layout.</summary>
    private static bool IsWellFormed(MessageKind kind, PeerHandle origin, int peerCount, out string? error)
    {
        error = null;
        switch (kind)
        {
            case MessageKind.JoinRequest or MessageKind.Lookup when origin.IsNone:
                return Fail($"{kind} must name its origin", out error);
            case MessageKind.NodeFailed when peerCount != 1:
                return Fail($"NodeFailed must carry exactly one peer, not {peerCount}", out error);
            default:
                return true;
        }
    }

    private static int WritePeer(PeerHandle peer, IPeerDirectory directory, Span<byte> destination)
    {
        directory.IdOf(peer).WriteBytes(destination);
        int length = directory.WriteAddress(peer, destination[(PeerRefFixed)..]);
        if (length is < 0 or > IPeerDirectory.MaxAddressBytes)
            throw new InvalidOperationException($"Directory wrote an address of {length} bytes.");
        destination[16] = (byte)length;
        return PeerRefFixed + length;
    }

    private static bool TryReadPeer(ReadOnlySpan<byte> data, ref int at, IPeerDirectory directory, out PeerHandle peer, out string? error)
    {
        peer = PeerHandle.None;
        if (data.Length - at < PeerRefFixed)
            return Fail("message ends inside a peer reference", out error);
        NodeId id = NodeId.FromBytes(data.Slice(at, 16));
        int length = data[at + 16];
        if (length > IPeerDirectory.MaxAddressBytes)
            return Fail($"peer address of {length} bytes exceeds {IPeerDirectory.MaxAddressBytes}", out error);
        if (data.Length - at - PeerRefFixed < length)
            return Fail("message ends inside a peer address", out error);
        ReadOnlySpan<byte> address = data.Slice(at + PeerRefFixed, length);
        at += PeerRefFixed + length;
        try
        {
            if (!directory.TryResolve(id, address, out peer, out string? reason))
                return Fail($"peer address rejected: {reason}", out error);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            return Fail($"peer address rejected: {ex.Message}", out error);
        }

        error = null;
        return true;
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}
