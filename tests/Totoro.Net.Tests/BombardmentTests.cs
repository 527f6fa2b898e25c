using System.Net;
using System.Net.Sockets;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Hosting;
using Totoro.Net.Transport;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

public class BombardmentTests(ITestOutputHelper output)
{
    [Fact]
    public void A_node_bombarded_with_random_datagrams_keeps_routing_lookups_to_the_right_node_and_counts_what_it_dropped()
    {
        using var cluster = new HostCluster();
        // The target lets one peer send 2,000 datagrams a second (burst 500): the flood is mostly rate-limited.
        NodeHost target = cluster.Add(3, o => o with { PeerRatePerSecond = 2000, PeerBurst = 500 });
        cluster.Add(3);
        cluster.Add(3);
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        Thread.Sleep(3000); // a few keep-alive periods: leaf sets exchanged

        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = cluster.Ids(client);
        Assert.Equal(9, ids.Count);

        var random = new Random(11);
        int sent = Bombard(target.Endpoint, random, frames: 3000);
        using (var raw = new UdpClient())
        {
            // Bytes that are not even LiteNetLib packets: its own parser drops them; the host must not notice.
            for (int i = 0; i < 1000; i++)
                raw.Send(RandomBytes(random, random.Next(1, 1400)), target.Endpoint);
        }

        int correct = 0, asked = 0;
        for (int from = 0; from < 3; from++)
        {
            for (int k = 0; k < 10; k++)
            {
                var key = NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64());
                ControlResponse? answer = client.Ask(target.Endpoint, new ControlRequest(0, "lookup") { Key = key.ToString(), From = from }, TimeSpan.FromSeconds(6));
                asked++;
                if (answer?.Lookup is { } result && HostCluster.Parse(result.Node) == HostCluster.Closest(ids, key))
                    correct++;
            }
        }

        HostInfo info = client.Ask(target.Endpoint, new ControlRequest(0, "info"), TimeSpan.FromSeconds(5))!.Info!;
        long dropped = info.DecodeFailures + info.RateLimited;
        output.WriteLine($"lookups correct {correct}/{asked}; sent {sent} garbage frames; dropped {dropped} (undecodable {info.DecodeFailures}, rate-limited {info.RateLimited}); handler errors {info.HandlerErrors}");
        Assert.Equal(asked, correct);
        Assert.Equal(0, info.HandlerErrors);
        Assert.True(info.RateLimited > 0, "the flood should have hit the rate limit");
        // Every garbage frame LiteNetLib handed over was dropped by us and counted (a busy loopback may lose some).
        Assert.InRange(dropped, sent * 3 / 4, sent);
    }

    /// <summary>Garbage that passes LiteNetLib's framing and reaches our decoder: random, bad magic, bad node frames, bad JSON.</summary>
    private static int Bombard(IPEndPoint target, Random random, int frames)
    {
        using var attacker = new UdpTransport();
        attacker.Start(new IPEndPoint(IPAddress.Loopback, 0));
        for (int i = 0; i < frames; i++)
        {
            byte[] frame = RandomBytes(random, random.Next(2, 900));
            switch (i % 4)
            {
                case 1:
                    frame[0] = Frame.Magic;
                    frame[1] = (byte)FrameKind.Node;
                    if (frame.Length > 35)
                        frame[34] = MessageCodec.Version; // gets past the version check into the codec
                    break;
                case 2:
                    frame[0] = Frame.Magic;
                    frame[1] = (byte)FrameKind.Request;
                    break;
                case 3:
                    frame[0] = Frame.Magic;
                    frame[1] = (byte)random.Next(5, 256);
                    break;
                default:
                    frame[0] = (byte)random.Next(0, Frame.Magic); // never the magic
                    break;
            }

            attacker.Send(target, frame);
            if (i % 100 == 99)
                Thread.Sleep(5); // keep the kernel's socket buffer from overflowing
        }

        Thread.Sleep(300);
        return frames;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
