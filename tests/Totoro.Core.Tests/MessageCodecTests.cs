using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests;

public class MessageCodecTests
{
    private readonly TestDirectory _directory = new();
    private readonly PeerHandle _a;
    private readonly PeerHandle _b;
    private readonly PeerHandle _c;

    public MessageCodecTests()
    {
        _a = _directory.Add(NodeId.FromRandom(1, 2), 0x0A000001_1F90);
        _b = _directory.Add(NodeId.FromRandom(ulong.MaxValue, 7), 0xC0A80101_0050);
        _c = _directory.Add(NodeId.FromRandom(0x1234, 0x5678), 0x7F000001_FFFF);
    }

    public static TheoryData<MessageKind> Kinds()
    {
        var data = new TheoryData<MessageKind>();
        foreach (MessageKind kind in AllKinds)
            data.Add(kind);
        return data;
    }

    /// <summary>The overlay's kinds and the forest's, which the codec carries alike.</summary>
    private static IEnumerable<MessageKind> AllKinds => Enum.GetValues<MessageKind>().Concat(TreeKind.All);

    private Message Sample(MessageKind kind) => kind switch
    {
        MessageKind.JoinRequest => new Message { Kind = kind, Key = NodeId.FromRandom(9, 9), Origin = _a, Row = 3, Hops = 2, Stamp = 123_456 },
        MessageKind.JoinReply => new Message { Kind = kind, Flags = MessageFlags.Final, Key = NodeId.FromRandom(9, 9), Peers = [_a, _b, _c] },
        MessageKind.Announce => new Message { Kind = kind },
        MessageKind.LeafSetPing or MessageKind.LeafSetPong => new Message { Kind = kind, Peers = [_c, _b] },
        MessageKind.NodeFailed => new Message { Kind = kind, Peers = [_b] },
        MessageKind.Lookup => new Message { Kind = kind, Key = NodeId.FromRandom(ulong.MaxValue, ulong.MaxValue), Origin = _c, Hops = ushort.MaxValue, Stamp = long.MaxValue },
        TreeKind.Join => new Message { Kind = kind, Flags = TreeFlags.PushDown, Key = NodeId.FromRandom(4, 4), Origin = _b, Row = 16, Hops = 3 },
        TreeKind.JoinAck or TreeKind.Heartbeat => new Message { Kind = kind, Key = NodeId.FromRandom(4, 4), Round = 12, Row = 8 },
        TreeKind.Broadcast => new Message { Kind = kind, Key = NodeId.FromRandom(4, 4), Round = int.MaxValue, Payload = Payload.FromVector([1.5f, -2f, float.Epsilon, 0f], 1) },
        TreeKind.Aggregate => new Message { Kind = kind, Key = NodeId.FromRandom(4, 4), Round = 3, Stamp = 200, Payload = Payload.FromVector([3f, 4f], 17.5) },
        TreeKind.Replica or TreeKind.Succeed => new Message { Kind = kind, Key = NodeId.FromRandom(4, 4), Round = 3, Peers = [_a, _c], Payload = Payload.FromVector([9f], 1) },
        TreeKind.Advertise => new Message { Kind = kind, Key = NodeId.FromRandom(5, 5), Origin = _a, Payload = Payload.FromData([1, 2, 3, 250]) },
        MessageKind.RouteAck => new Message { Kind = kind, Key = NodeId.FromRandom(6, 6), Stamp = 99 },
        MessageKind.RowRequest => new Message { Kind = kind, Row = 4 },
        MessageKind.RowReply => new Message { Kind = kind, Row = 4, Peers = [_a, _b] },
        MessageKind.Leave => new Message { Kind = kind },
        TreeKind.Leave or TreeKind.ReplicaPull => new Message { Kind = kind, Key = NodeId.FromRandom(4, 4) },
        MessageKind.LookupReply => new Message { Kind = kind, Key = NodeId.FromRandom(7, 7), Stamp = 42 },
        TreeKind.AppRouted => new Message { Kind = kind, Key = NodeId.FromRandom(8, 8), Origin = _b, Row = 1, Stamp = 7, Payload = Payload.SizeOnly(0, 0).WithAttachment([5, 1, 2]) },
        TreeKind.AppDirect => new Message { Kind = kind, Row = 1, Stamp = 7, Payload = Payload.FromVector([0.25f, -1f]).WithAttachment([10, 3]) },
        TreeKind.Plan => PlanMessages.ProbeReply(NodeId.FromRandom(4, 4), 77, depth: 2, [_a, _b], new Totoro.Core.Planning.LoadReport(1, 2, 3.5)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_round_trips(MessageKind kind)
    {
        Message original = Sample(kind);
        byte[] bytes = MessageCodec.Encode(original, _directory);

        Assert.Equal(MessageCodec.EncodedSize(original, 6), bytes.Length);
        Assert.True(MessageCodec.TryDecode(bytes, _directory, out Message decoded, out string? error), error);
        Assert.Equal(original.Kind, decoded.Kind);
        Assert.Equal(original.Flags, decoded.Flags);
        Assert.Equal(original.Row, decoded.Row);
        Assert.Equal(original.Hops, decoded.Hops);
        Assert.Equal(original.Key, decoded.Key);
        Assert.Equal(original.Stamp, decoded.Stamp);
        Assert.Equal(original.Origin, decoded.Origin);
        Assert.Equal(original.Peers ?? [], decoded.Peers ?? []);
        Assert.Equal(original.Round, decoded.Round);
        Assert.Equal(original.Payload?.Weight, decoded.Payload?.Weight);
        Assert.Equal(original.Payload?.Vector, decoded.Payload?.Vector);
        Assert.Equal(original.Payload?.Data, decoded.Payload?.Data);
    }

    [Fact]
    public void A_size_only_payload_keeps_its_size_and_a_lying_vector_length_is_rejected()
    {
        var message = new Message { Kind = TreeKind.Aggregate, Key = NodeId.FromRandom(1, 1), Payload = Payload.SizeOnly(160 * 1024, 3) };
        byte[] bytes = MessageCodec.Encode(message, _directory);
        Assert.True(MessageCodec.TryDecode(bytes, _directory, out Message decoded, out string? error), error);
        Assert.True(decoded.Payload!.IsSizeOnly);
        Assert.Equal(160 * 1024, decoded.Payload.Bytes);

        byte[] vector = MessageCodec.Encode(message with { Payload = Payload.FromVector([1f, 2f]) }, _directory);
        vector[^9] = 0x7F; // the vector length's low byte: claim 127 floats where 2 are carried
        Assert.False(MessageCodec.TryDecode(vector, _directory, out _, out string? lengthError));
        Assert.False(string.IsNullOrEmpty(lengthError));
    }

    [Fact]
    public void A_routed_kind_of_an_upper_layer_without_its_origin_is_rejected()
    {
        byte[] bytes = MessageCodec.Encode(new Message { Kind = TreeKind.AppRouted, Key = NodeId.FromRandom(1, 1) }, _directory);
        Assert.False(MessageCodec.TryDecode(bytes, _directory, out _, out string? error));
        Assert.Contains("origin", error);
    }

    [Fact]
    public void Flag_bits_of_an_upper_layer_on_an_overlay_kind_are_rejected()
    {
        byte[] bytes = MessageCodec.Encode(new Message { Kind = MessageKind.LeafSetPing, Flags = MessageFlags.Layer2 }, _directory);
        Assert.False(MessageCodec.TryDecode(bytes, _directory, out _, out string? error));
        Assert.Contains("upper layer", error);

        byte[] tree = MessageCodec.Encode(new Message { Kind = TreeKind.Heartbeat, Flags = TreeFlags.Detached }, _directory);
        Assert.True(MessageCodec.TryDecode(tree, _directory, out Message decoded, out _));
        Assert.Equal(TreeFlags.Detached, decoded.Flags);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_truncation_is_rejected_with_a_reason(MessageKind kind)
    {
        byte[] bytes = MessageCodec.Encode(Sample(kind), _directory);
        for (int length = 0; length < bytes.Length; length++)
        {
            bool ok = MessageCodec.TryDecode(bytes.AsSpan(0, length), _directory, out _, out string? error);
            Assert.False(ok, $"a {length}-byte prefix of a {bytes.Length}-byte {kind} decoded");
            Assert.False(string.IsNullOrWhiteSpace(error));
        }
    }

    [Fact]
    public void Trailing_bytes_wrong_version_and_unknown_kind_are_rejected()
    {
        byte[] bytes = MessageCodec.Encode(Sample(MessageKind.Announce), _directory);

        Assert.False(MessageCodec.TryDecode([.. bytes, 0], _directory, out _, out string? trailing));
        Assert.Contains("trailing", trailing);

        byte[] version = [.. bytes];
        version[0] = 99;
        Assert.False(MessageCodec.TryDecode(version, _directory, out _, out string? versionError));
        Assert.Contains("version 99", versionError);

        byte[] kind = [.. bytes];
        kind[1] = 30; // between the overlay's kinds and the upper layers' ranges
        Assert.False(MessageCodec.TryDecode(kind, _directory, out _, out string? kindError));
        Assert.Contains("unknown message kind 30", kindError);
    }

    [Fact]
    public void An_oversized_peer_count_is_rejected_before_anything_is_allocated()
    {
        byte[] bytes = MessageCodec.Encode(Sample(MessageKind.Announce), _directory);
        // The two bytes before the payload tag are the peer count: claim 65535 peers in a message that carries none.
        bytes[^3] = 0xFF;
        bytes[^2] = 0xFF;
        Assert.False(MessageCodec.TryDecode(bytes, _directory, out _, out string? error));
        Assert.Contains("exceeds the limit", error);

        bytes[^3] = 0x01; // 256 peers: under the limit, but the bytes are not there
        bytes[^2] = 0x00;
        Assert.False(MessageCodec.TryDecode(bytes, _directory, out _, out string? shortError));
        Assert.Contains("needs more bytes", shortError);
    }

    [Fact]
    public void A_join_or_lookup_without_origin_is_rejected()
    {
        byte[] bytes = MessageCodec.Encode(new Message { Kind = MessageKind.Lookup, Origin = PeerHandle.None }, _directory);
        Assert.False(MessageCodec.TryDecode(bytes, _directory, out _, out string? error));
        Assert.Contains("origin", error);
    }

    [Fact]
    public void Random_bytes_never_throw_and_every_rejection_has_a_reason()
    {
        var random = new Random(42);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length > 2)
            {
                bytes[0] = MessageCodec.Version; // get past the version check half the time
                bytes[1] = (byte)random.Next(1, 15);
            }

            if (MessageCodec.TryDecode(bytes, _directory, out _, out string? error))
                decoded++;
            else
                Assert.False(string.IsNullOrWhiteSpace(error));
        }

        Assert.True(decoded < 20_000);
    }

    [Fact]
    public void Mutated_valid_messages_never_throw()
    {
        var random = new Random(7);
        foreach (MessageKind kind in AllKinds)
        {
            byte[] valid = MessageCodec.Encode(Sample(kind), _directory);
            for (int i = 0; i < 2000; i++)
            {
                byte[] bytes = [.. valid];
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                _ = MessageCodec.TryDecode(bytes, _directory, out _, out _);
            }
        }
    }

    [Fact]
    public void Every_flag_is_its_own_bit_and_survives_the_wire()
    {
        MessageFlags[] flags = [.. Enum.GetValues<MessageFlags>().Where(f => f != MessageFlags.None)];
        Assert.Equal(flags.Length, flags.Select(f => (int)f).Distinct().Count());
        Assert.All(flags, f => Assert.True(System.Numerics.BitOperations.IsPow2((int)f), $"{f} is not one bit"));
        foreach (MessageFlags flag in flags)
        {
            var message = new Message { Kind = TreeKind.Heartbeat, Flags = flag, Key = NodeId.FromRandom(4, 4) };
            Assert.True(MessageCodec.TryDecode(MessageCodec.Encode(message, _directory), _directory, out Message decoded, out string? error), error);
            Assert.Equal(flag, decoded.Flags);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_buffer_bound_is_exact_for_the_longest_addresses_and_the_wire_size_is_what_is_written(MessageKind kind)
    {
        Message message = Sample(kind);
        Assert.Equal(MessageCodec.WireSize(message, IPeerDirectory.MaxAddressBytes), MessageCodec.MaxEncodedSize(message));
        Assert.Equal(MessageCodec.WireSize(message, 6), MessageCodec.Encode(message, _directory).Length);
        var buffer = new byte[MessageCodec.MaxEncodedSize(message)];
        Assert.Equal(MessageCodec.Encode(message, _directory), buffer.AsSpan(0, MessageCodec.Encode(message, _directory, buffer)).ToArray());
    }

    [Fact]
    public void A_large_vector_is_written_big_endian_element_by_element_and_read_back_exactly()
    {
        float[] model = [.. Enumerable.Range(0, 10_001).Select(i => (float)Math.Sin(i) * (i + 1)), -0f, float.Epsilon, float.MaxValue];
        var message = new Message { Kind = TreeKind.Broadcast, Key = NodeId.FromRandom(4, 4), Payload = Payload.FromVector(model, 2).WithAttachment([7, 7]) };
        byte[] bytes = MessageCodec.Encode(message, _directory);
        int at = bytes.Length - 6 - (4 * model.Length); // the floats end where the attachment (length i32 + 2 bytes) begins
        for (int i = 0; i < model.Length; i += 997)
            Assert.Equal(BitConverter.SingleToInt32Bits(model[i]), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + (4 * i))));
        Assert.True(MessageCodec.TryDecode(bytes, _directory, out Message decoded, out string? error), error);
        Assert.Equal(model, decoded.Payload!.Vector!);
        Assert.Equal(MessageCodec.MaxEncodedSize(message), bytes.Length); // no peers: the bound is exact
    }

    [Fact]
    public void A_size_only_payload_is_charged_its_declared_size_but_writes_only_its_header()
    {
        var message = new Message { Kind = TreeKind.Aggregate, Key = NodeId.FromRandom(1, 1), Payload = Payload.SizeOnly(160 * 1024, 3).WithAttachment([1, 2, 3]) };
        Assert.Equal(MessageCodec.EncodedSize(message, 6) - (160 * 1024), MessageCodec.Encode(message, _directory).Length);
    }

    [Fact]
    public void A_half_precision_vector_is_written_as_halves_and_decodes_to_the_same_values_and_size()
    {
        Payload half = HalfPrecision([0.1f, -2f, 1000f, 65504f, -0f]).WithAttachment([1, 2]);
        var message = new Message { Kind = TreeKind.Broadcast, Key = NodeId.FromRandom(4, 4), Payload = half };
        byte[] bytes = MessageCodec.Encode(message, _directory);
        Assert.Equal(MessageCodec.EncodedSize(message, 6), bytes.Length); // the wire carries what a link is charged
        Assert.True(MessageCodec.TryDecode(bytes, _directory, out Message decoded, out string? error), error);
        Assert.Equal(half.Vector, decoded.Payload!.Vector!);
        Assert.Equal(half.Bytes, decoded.Payload.Bytes);
        Assert.Equal(half.Attachment, decoded.Payload.Attachment!);

        bytes[^(6 + (2 * 5) + 1)] = 0x7F; // the element count's low byte: claim 127 halves where 5 are carried
        Assert.False(MessageCodec.TryDecode(bytes, _directory, out _, out string? lengthError));
        Assert.Contains("halves", lengthError);
    }

    private static Payload HalfPrecision(float[] values) => Payload.FromVector([.. values.Select(v => (float)(Half)v)]).WithBytes(2 * values.Length);
}
