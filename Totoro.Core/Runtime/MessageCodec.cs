using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Totoro.Core.Runtime;

/// <summary>
/// The wire format. Versioned, length-checked and total: any byte string either decodes into a
/// <see cref="Message"/> or is rejected with a reason. No exception escapes a decode, and no allocation is
/// sized by a length the input has not already proven it carries.
/// </summary>
/// <remarks>
/// Layout (big endian): version u8 | kind u8 | flags u8 | row u8 | hops u16 | key 16 | stamp i64 | round i32 |
/// origin peer-ref? (presence u8, then peer-ref) | peer count u16 | peer-ref × count | payload.
/// A peer-ref is id 16 | address length u8 | address bytes. A payload is a tag u8 (0 none, 1 size only,
/// 2 float32 vector, 3 bytes, 4 binary16 vector), then for tags 1–4 weight f64 | length i32 (elements for vectors) |
/// the elements or bytes (none for tag 1). A vector whose declared size is 2 bytes an element (a half-precision
/// compression hook's result) travels as binary16, so the wire carries what the simulator charges.
/// A tag with its high bit set (0x80) is followed, after the content, by an attachment: length i32 | bytes.
/// </remarks>
public static class MessageCodec
{
    public const byte Version = 2;

    /// <summary>Upper bound on peers in one message: a full routing table of b = 5 plus a leaf set fits.</summary>
    public const int MaxPeers = 1100;

    /// <summary>Address size assumed when the simulator charges a message (IPv4 + port).</summary>
    public const int TypicalAddressBytes = 6;

    private const int FixedHeader = 1 + 1 + 1 + 1 + 2 + 16 + 8 + 4;
    private const int PayloadHeader = 1 + 8 + 4;
    private const int PeerRefFixed = 16 + 1;
    private const byte AttachmentBit = 0x80;
    private const MessageFlags LayerFlags = MessageFlags.Layer1 | MessageFlags.Layer2 | MessageFlags.Layer3 | MessageFlags.Layer4;

    /// <summary>
    /// Bytes a link is charged for the message: the header, peers and the payload's declared size. It equals
    /// <see cref="WireSize"/> except for content a payload declares without carrying it (a timing-only payload's size;
    /// a vector declared at other than 2 or 4 bytes an element, which the simulator's codec check refuses).
    /// </summary>
    public static int EncodedSize(in Message message, int addressBytes)
    {
        int payload = message.Payload is { } p ? PayloadHeader + p.Bytes + (p.Attachment is null ? 0 : 4) : 1;
        return HeaderAndPeers(message, addressBytes) + payload;
    }

    /// <summary>Bytes <see cref="Encode(in Message, IPeerDirectory, Span{byte})"/> writes when every address is <paramref name="addressBytes"/> long.</summary>
    public static int WireSize(in Message message, int addressBytes) => HeaderAndPeers(message, addressBytes) + PayloadWireSize(message.Payload);

    /// <summary>Largest buffer <see cref="Encode(in Message, IPeerDirectory, Span{byte})"/> may need for this message with any address.</summary>
    public static int MaxEncodedSize(in Message message) => WireSize(message, IPeerDirectory.MaxAddressBytes);

    private static int HeaderAndPeers(in Message message, int addressBytes)
    {
        int peerRef = PeerRefFixed + addressBytes;
        int origin = message.Origin.IsNone ? 1 : 1 + peerRef;
        return FixedHeader + origin + 2 + (message.PeerCount * peerRef);
    }

    /// <summary>Bytes per vector element on the wire: 2 when the payload declares half precision, else 4.</summary>
    private static int ElementBytes(Payload payload)
        => payload.Vector is { Length: > 0 } v && payload.ContentBytes == 2 * v.Length ? 2 : 4;

    private static int PayloadWireSize(Payload? payload)
    {
        if (payload is null)
            return 1;
        // A vector is written as float32, or binary16 when declared at 2 bytes an element; a size-only payload carries no content.
        int content = payload.Vector is { } v ? v.Length * ElementBytes(payload) : payload.Data?.Length ?? 0;
        int attachment = payload.Attachment is { } a ? 4 + a.Length : 0;
        return PayloadHeader + content + attachment;
    }

    /// <summary>Writes the message; returns the bytes written. Throws only on caller bugs (buffer too small, too many peers).</summary>
    public static int Encode(in Message message, IPeerDirectory directory, Span<byte> destination)
    {
        if (!MessageKinds.IsKnown(message.Kind))
            throw new ArgumentException($"Message kind {(byte)message.Kind} is not a known kind.", nameof(message));
        if (message.PeerCount > MaxPeers)
            throw new ArgumentException($"A message carries at most {MaxPeers} peers, not {message.PeerCount}.", nameof(message));
        if (destination.Length < MaxEncodedSize(message))
            throw new ArgumentException("Destination buffer is smaller than MaxEncodedSize.", nameof(destination));
        return EncodeUnchecked(message, directory, destination);
    }

    /// <summary>Encodes into a new array of exactly the right length.</summary>
    public static byte[] Encode(in Message message, IPeerDirectory directory)
    {
        if (!MessageKinds.IsKnown(message.Kind))
            throw new ArgumentException($"Message kind {(byte)message.Kind} is not a known kind.", nameof(message));
        if (message.PeerCount > MaxPeers)
            throw new ArgumentException($"A message carries at most {MaxPeers} peers, not {message.PeerCount}.", nameof(message));
        // Measure the addresses first so that a 4 MB model is written once, into its final array.
        Span<byte> scratch = stackalloc byte[IPeerDirectory.MaxAddressBytes];
        int length = HeaderAndPeers(message, 0) + PayloadWireSize(message.Payload);
        if (!message.Origin.IsNone)
            length += AddressLength(message.Origin, directory, scratch);
        if (message.Peers is { } peers)
        {
            foreach (PeerHandle peer in peers)
                length += AddressLength(peer, directory, scratch);
        }

        var buffer = GC.AllocateUninitializedArray<byte>(length);
        int written = EncodeUnchecked(message, directory, buffer);
        if (written != length)
            throw new InvalidOperationException($"Directory wrote addresses of other lengths than it measured ({written} bytes, not {length}).");
        return buffer;
    }

    private static int AddressLength(PeerHandle peer, IPeerDirectory directory, Span<byte> scratch)
    {
        int length = directory.WriteAddress(peer, scratch);
        if (length is < 0 or > IPeerDirectory.MaxAddressBytes)
            throw new InvalidOperationException($"Directory wrote an address of {length} bytes.");
        return length;
    }

    private static int EncodeUnchecked(in Message message, IPeerDirectory directory, Span<byte> destination)
    {
        destination[0] = Version;
        destination[1] = (byte)message.Kind;
        destination[2] = (byte)message.Flags;
        destination[3] = message.Row;
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], message.Hops);
        message.Key.WriteBytes(destination[6..]);
        BinaryPrimitives.WriteInt64BigEndian(destination[22..], message.Stamp);
        BinaryPrimitives.WriteInt32BigEndian(destination[30..], message.Round);
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

        return at + WritePayload(message.Payload, destination[at..]);
    }

    private static int WritePayload(Payload? payload, Span<byte> destination)
    {
        if (payload is null)
        {
            destination[0] = 0;
            return 1;
        }

        int written = WriteContent(payload, destination);
        if (payload.Attachment is not { } attachment)
            return written;
        destination[0] |= AttachmentBit;
        BinaryPrimitives.WriteInt32BigEndian(destination[written..], attachment.Length);
        attachment.CopyTo(destination[(written + 4)..]);
        return written + 4 + attachment.Length;
    }

    private static int WriteContent(Payload payload, Span<byte> destination)
    {
        BinaryPrimitives.WriteDoubleBigEndian(destination[1..], payload.Weight);
        if (payload.Vector is { } halfVector && ElementBytes(payload) == 2)
        {
            destination[0] = 4;
            BinaryPrimitives.WriteInt32BigEndian(destination[9..], halfVector.Length);
            Span<byte> halves = destination.Slice(PayloadHeader, 2 * halfVector.Length);
            for (int i = 0; i < halfVector.Length; i++)
                BinaryPrimitives.WriteHalfBigEndian(halves[(2 * i)..], (Half)halfVector[i]);
            return PayloadHeader + (2 * halfVector.Length);
        }

        if (payload.Vector is { } vector)
        {
            destination[0] = 2;
            BinaryPrimitives.WriteInt32BigEndian(destination[9..], vector.Length);
            WriteFloatsBigEndian(vector, destination.Slice(PayloadHeader, 4 * vector.Length));
            return PayloadHeader + (4 * vector.Length);
        }

        if (payload.Data is { } data)
        {
            destination[0] = 3;
            BinaryPrimitives.WriteInt32BigEndian(destination[9..], data.Length);
            data.CopyTo(destination[PayloadHeader..]);
            return PayloadHeader + data.Length;
        }

        destination[0] = 1;
        BinaryPrimitives.WriteInt32BigEndian(destination[9..], payload.ContentBytes);
        return PayloadHeader;
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
        if (!MessageKinds.IsKnown(kind))
            return Fail($"unknown message kind {data[1]}", out error);
        var flags = (MessageFlags)data[2];
        if (!MessageKinds.IsRoutedLayer(kind) && !MessageKinds.IsDirectLayer(kind) && (flags & LayerFlags) != 0)
            return Fail($"flag bits 0x{data[2]:x2} of an upper layer on overlay kind {kind}", out error);

        byte row = data[3];
        ushort hops = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        NodeId key = NodeId.FromBytes(data[6..22]);
        long stamp = BinaryPrimitives.ReadInt64BigEndian(data[22..]);
        int round = BinaryPrimitives.ReadInt32BigEndian(data[30..]);
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

        if (!TryReadPayload(data, ref at, out Payload? payload, out error))
            return false;
        if (at != data.Length)
            return Fail($"{data.Length - at} trailing bytes after the message", out error);
        if (!IsWellFormed(kind, origin, count, payload, out error))
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
            Round = round,
            Payload = payload,
        };
        return true;
    }

    private static bool TryReadPayload(ReadOnlySpan<byte> data, ref int at, out Payload? payload, out string? error)
    {
        payload = null;
        error = null;
        if (data.Length - at < 1)
            return Fail("message ends before its payload tag", out error);
        byte tag = data[at++];
        if (tag == 0)
            return true;
        bool attached = (tag & AttachmentBit) != 0;
        tag &= unchecked((byte)~AttachmentBit);
        if (tag is 0 or > 4)
            return Fail($"unknown payload tag {tag}", out error);
        if (data.Length - at < PayloadHeader - 1)
            return Fail("message ends inside a payload header", out error);
        double weight = BinaryPrimitives.ReadDoubleBigEndian(data[at..]);
        int length = BinaryPrimitives.ReadInt32BigEndian(data[(at + 8)..]);
        at += PayloadHeader - 1;
        if (!double.IsFinite(weight) || weight < 0)
            return Fail($"payload weight {weight} is not a finite non-negative number", out error);
        if (length < 0 || length > Payload.MaxBytes)
            return Fail($"payload length {length} is outside 0..{Payload.MaxBytes}", out error);
        if (!TryReadContent(data, ref at, tag, weight, length, out payload, out error))
            return false;
        if (!attached)
            return true;
        if (data.Length - at < 4)
            return Fail("message ends inside an attachment's length", out error);
        int attachmentLength = BinaryPrimitives.ReadInt32BigEndian(data[at..]);
        at += 4;
        if (attachmentLength < 0 || attachmentLength > Payload.MaxAttachmentBytes)
            return Fail($"attachment length {attachmentLength} is outside 0..{Payload.MaxAttachmentBytes}", out error);
        if (attachmentLength > data.Length - at)
            return Fail($"{attachmentLength} attachment bytes declared but only {data.Length - at} remain", out error);
        payload = payload!.WithAttachment(data.Slice(at, attachmentLength).ToArray());
        at += attachmentLength;
        return true;
    }

    private static bool TryReadContent(ReadOnlySpan<byte> data, ref int at, byte tag, double weight, int length, out Payload? payload, out string? error)
    {
        payload = null;
        error = null;
        switch (tag)
        {
            case 1:
                payload = Payload.SizeOnly(length, weight);
                return true;
            case 2 or 4 when (long)length * 4 > Payload.MaxBytes:
                return Fail($"a vector of {length} elements exceeds the {Payload.MaxBytes}-byte payload limit", out error);
            case 4:
                if ((long)length * 2 > data.Length - at)
                    return Fail($"a vector of {length} halves needs more bytes than the {data.Length - at} that remain", out error);
                float[] widened = GC.AllocateUninitializedArray<float>(length);
                for (int i = 0; i < length; i++)
                    widened[i] = (float)BinaryPrimitives.ReadHalfBigEndian(data[(at + (2 * i))..]);
                at += 2 * length;
                payload = Payload.FromVector(widened, weight).WithBytes(2 * length);
                return true;
            case 2:
                if ((long)length * 4 > data.Length - at)
                    return Fail($"a vector of {length} floats needs more bytes than the {data.Length - at} that remain", out error);
                // Every element is overwritten below: no need to zero a model-sized array first.
                float[] vector = GC.AllocateUninitializedArray<float>(length);
                ReadFloatsBigEndian(data.Slice(at, 4 * length), vector);
                at += 4 * length;
                payload = Payload.FromVector(vector, weight);
                return true;
            default:
                if (length > data.Length - at)
                    return Fail($"{length} payload bytes declared but only {data.Length - at} remain", out error);
                payload = Payload.FromData(data.Slice(at, length).ToArray(), weight);
                at += length;
                return true;
        }
    }

    /// <summary>Floats as big-endian IEEE bits, in one pass over the whole vector.</summary>
    private static void WriteFloatsBigEndian(ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(source), MemoryMarshal.Cast<byte, int>(destination));
        else
            MemoryMarshal.AsBytes(source).CopyTo(destination);
    }

    private static void ReadFloatsBigEndian(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, int>(source), MemoryMarshal.Cast<float, int>(destination));
        else
            source.CopyTo(MemoryMarshal.AsBytes(destination));
    }

    /// <summary>Rules that each kind imposes beyond the common layout.</summary>
    private static bool IsWellFormed(MessageKind kind, PeerHandle origin, int peerCount, Payload? payload, out string? error)
    {
        error = null;
        switch (kind)
        {
            case MessageKind.JoinRequest or MessageKind.Lookup when origin.IsNone:
                return Fail($"{kind} must name its origin", out error);
            case var layer when MessageKinds.IsRoutedLayer(layer) && origin.IsNone:
                return Fail($"routed kind {(byte)kind} must name its origin", out error);
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
