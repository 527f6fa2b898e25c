using System.Net;
using Totoro.Core.Runtime;
using Totoro.Net.Transport;

namespace Totoro.Net.Tests;

public class EndpointDirectoryTests
{
    [Fact]
    public void Messages_round_trip_between_two_hosts_directories_by_id_and_endpoint()
    {
        var sender = new EndpointDirectory();
        PeerHandle v4 = sender.Add(NodeId.FromRandom(1, 1), new IPEndPoint(IPAddress.Parse("10.1.2.3"), 4000));
        PeerHandle v6 = sender.Add(NodeId.FromRandom(2, 2), new IPEndPoint(IPAddress.Parse("fe80::1"), 65535));
        var message = new Message { Kind = MessageKind.Lookup, Key = NodeId.FromRandom(3, 3), Origin = v4, Peers = [v6, v4] };

        byte[] bytes = MessageCodec.Encode(message, sender);
        var receiver = new EndpointDirectory();
        receiver.Add(NodeId.FromRandom(9, 9), new IPEndPoint(IPAddress.Loopback, 1)); // handles differ per host

        Assert.True(MessageCodec.TryDecode(bytes, receiver, out Message decoded, out string? error), error);
        Assert.Equal(sender.IdOf(v4), receiver.IdOf(decoded.Origin));
        Assert.Equal(sender.EndpointOf(v4), receiver.EndpointOf(decoded.Origin));
        Assert.Equal(sender.EndpointOf(v6), receiver.EndpointOf(decoded.Peers![0]));
        Assert.Equal(decoded.Origin, decoded.Peers[1]); // the same peer resolves to one handle
        Assert.Equal(3, receiver.Count);
    }

    [Fact]
    public void Unusable_endpoints_are_rejected_with_a_reason()
    {
        var directory = new EndpointDirectory();
        Assert.False(directory.TryResolve(NodeId.Zero, new byte[] { 10, 0, 0, 1, 0, 0 }, out _, out string? port));
        Assert.Contains("port 0", port);
        Assert.False(directory.TryResolve(NodeId.Zero, new byte[] { 10, 0, 0, 1, 0 }, out _, out string? length));
        Assert.Contains("5", length);
        Assert.False(directory.TryResolve(NodeId.Zero, new byte[] { 0, 0, 0, 0, 1, 1 }, out _, out string? any));
        Assert.Contains("unicast", any);
        Assert.Equal(0, directory.Count);
    }
}
