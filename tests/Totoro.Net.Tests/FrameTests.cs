using System.Net;
using Totoro.Core.Runtime;
using Totoro.Net.Transport;

namespace Totoro.Net.Tests;

public class FrameTests
{
    [Fact]
    public void A_node_frame_names_both_ends_and_carries_the_codec_bytes()
    {
        var directory = new EndpointDirectory();
        PeerHandle origin = directory.Add(NodeId.FromRandom(5, 6), new IPEndPoint(IPAddress.Parse("10.0.0.9"), 7000));
        var message = new Message { Kind = MessageKind.Lookup, Key = NodeId.FromRandom(1, 2), Origin = origin, Row = 3, Stamp = 42 };
        byte[] frame = Frame.Node(NodeId.FromRandom(7, 7), NodeId.FromRandom(8, 8), message, directory);

        Assert.True(Frame.TryRead(frame, out FrameKind kind, out _));
        Assert.Equal(FrameKind.Node, kind);
        Assert.Equal(NodeId.FromRandom(7, 7), NodeId.FromBytes(frame.AsSpan(2, 16)));
        Assert.Equal(NodeId.FromRandom(8, 8), NodeId.FromBytes(frame.AsSpan(18, 16)));
        Assert.True(MessageCodec.TryDecode(frame.AsSpan(Frame.NodeHeader), new EndpointDirectory(), out Message decoded, out string? error), error);
        Assert.Equal(message.Key, decoded.Key);
        Assert.Equal(3, decoded.Row);
        Assert.Equal(42, decoded.Stamp);
    }

    [Fact]
    public void Anything_that_is_not_a_frame_is_refused_with_a_reason()
    {
        Assert.False(Frame.TryRead([0x7A], out _, out string? shortError));
        Assert.Contains("shorter", shortError);
        Assert.False(Frame.TryRead([0x00, 1, 2, 3], out _, out string? magic));
        Assert.Contains("magic", magic);
        Assert.False(Frame.TryRead([Frame.Magic, 99], out _, out string? kind));
        Assert.Contains("99", kind);
        Assert.False(Frame.TryRead([Frame.Magic, (byte)FrameKind.Node, 1, 2], out _, out string? header));
        Assert.Contains("header", header);
    }
}
