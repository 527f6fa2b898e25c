using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests;

public class CodecCheckTests
{
    /// <summary>Two nodes; node 0 sends one message to node 1, which records what it got.</summary>
    private static (SimWorld World, Recorder Receiver) TwoNodes(bool check)
    {
        var world = new SimWorld(2, new FlatTopology(2), new NetworkOptions(), seed: 3) { CodecCheck = check };
        var receiver = new Recorder();
        world.AddNode(NodeId.FromRandom(1, 1));
        world.AddNode(NodeId.FromRandom(2, 2));
        world.Attach(0, new Recorder());
        world.Attach(1, receiver);
        return (world, receiver);
    }

    [Fact]
    public void Tests_build_worlds_with_the_check_on()
    {
        Assert.True(new OverlaySimConfig().CodecCheck);
        Assert.True(new OverlayScenario(new OverlaySimConfig { Nodes = 5, Lookups = 0 }).World.CodecCheck);
    }

    [Fact]
    public void The_receiver_gets_the_decoded_copy_with_the_same_content_and_charge()
    {
        (SimWorld world, Recorder receiver) = TwoNodes(check: true);
        Payload model = Payload.FromVector([1.5f, -2f, float.MaxValue], 7).WithAttachment([9, 8]);
        var sent = new Message { Kind = TreeKind.Broadcast, Key = NodeId.FromRandom(4, 4), Round = 2, Peers = [new PeerHandle(0)], Payload = model };
        world.Enter(0);
        world.Send(new PeerHandle(1), sent);
        world.RunUntil(10_000_000);

        Message got = Assert.Single(receiver.Messages);
        Assert.NotSame(model, got.Payload); // it crossed the codec
        Assert.Equal(model.Vector, got.Payload!.Vector);
        Assert.Equal(model.Attachment, got.Payload.Attachment);
        Assert.Equal(sent.EncodedSize, got.EncodedSize);
        Assert.Equal(sent.EncodedSize + LinkModel.WireOverheadBytes, world.BytesSent);
    }

    [Fact]
    public void Without_the_check_the_message_itself_is_delivered()
    {
        (SimWorld world, Recorder receiver) = TwoNodes(check: false);
        Payload model = Payload.FromVector([1f]);
        world.Enter(0);
        world.Send(new PeerHandle(1), new Message { Kind = TreeKind.Broadcast, Payload = model });
        world.RunUntil(10_000_000);
        Assert.Same(model, Assert.Single(receiver.Messages).Payload);
    }

    [Fact]
    public void A_message_the_codec_rejects_fails_loudly_with_its_kind_and_the_reason()
    {
        (SimWorld world, _) = TwoNodes(check: true);
        world.Enter(0);
        var error = Assert.Throws<InvalidOperationException>(() => world.Send(new PeerHandle(1), new Message { Kind = TreeKind.AppRouted, Round = 1 }));
        Assert.Contains("AppRouted", error.Message);
        Assert.Contains("must name its origin", error.Message);
    }

    [Fact]
    public void A_half_precision_model_travels_as_halves_and_keeps_its_charge()
    {
        (SimWorld world, Recorder receiver) = TwoNodes(check: true);
        Payload squeezed = HalfPrecisionCompression.Instance.Compress(Payload.FromVector([1f, 2.5f, -3.1f, 65504f], 2).WithAttachment([4]));
        var sent = new Message { Kind = TreeKind.Broadcast, Payload = squeezed };
        world.Enter(0);
        world.Send(new PeerHandle(1), sent);
        world.RunUntil(10_000_000);
        Payload got = Assert.Single(receiver.Messages).Payload!;
        Assert.Equal(squeezed.Vector, got.Vector);
        Assert.Equal(squeezed.Bytes, got.Bytes);
        Assert.Equal(sent.EncodedSize, MessageCodec.WireSize(sent, MessageCodec.TypicalAddressBytes)); // charged what is written
    }

    [Fact]
    public void A_declared_size_the_codec_does_not_carry_fails_loudly()
    {
        // A vector declared at a size that is neither float32 nor binary16 would be charged differently after the wire.
        (SimWorld world, _) = TwoNodes(check: true);
        Payload odd = Payload.FromVector([1f, 2f, 3f, 4f]).WithBytes(5);
        world.Enter(0);
        var error = Assert.Throws<InvalidOperationException>(() => world.Send(new PeerHandle(1), new Message { Kind = TreeKind.Broadcast, Payload = odd }));
        Assert.Contains("TreeBroadcast", error.Message);
        Assert.Contains("charged size", error.Message);
    }

    [Fact]
    public void A_timing_only_payload_keeps_its_declared_size_and_weight()
    {
        (SimWorld world, Recorder receiver) = TwoNodes(check: true);
        var sent = new Message { Kind = TreeKind.Aggregate, Round = 4, Stamp = 12, Payload = Payload.SizeOnly(160 * 1024, 30).WithAttachment([1, 2, 3]) };
        world.Enter(0);
        world.Send(new PeerHandle(1), sent);
        world.RunUntil(10_000_000);
        Payload got = Assert.Single(receiver.Messages).Payload!;
        Assert.True(got.IsSizeOnly);
        Assert.Equal(sent.Payload!.Bytes, got.Bytes);
        Assert.Equal(30, got.Weight);
        // The link is charged the declared model; the codec writes only its header: that difference is the whole gap.
        int written = MessageCodec.WireSize(sent, SimWorld.AddressBytes);
        Assert.Equal(sent.EncodedSize - (160 * 1024), MessageCodec.WireSize(sent, MessageCodec.TypicalAddressBytes));
        Assert.Equal(written, MessageCodec.Encode(sent, world).Length);
    }

    private sealed class Recorder : INodeProgram
    {
        public List<Message> Messages { get; } = [];

        public void Receive(PeerHandle from, in Message message) => Messages.Add(message);

        public void OnTimer(int timer, long argument)
        {
        }
    }
}
