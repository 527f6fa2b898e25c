using System.Diagnostics;
using System.Net;
using Totoro.Net.Transport;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

/// <summary>
/// A host killed (no goodbye) and restarted on the same address: the survivors still hold a reliable connection to
/// the dead process. Large frames (models, updates) must reach the new process, not vanish into the old connection.
/// </summary>
public class RestartedPeerTransportTests(ITestOutputHelper output)
{
    [Fact]
    public void Large_frames_reach_a_peer_restarted_on_the_same_port()
    {
        using var survivor = new UdpTransport();
        survivor.Start(new IPEndPoint(IPAddress.Loopback, 0));
        var first = new UdpTransport();
        first.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp())); // restarted on it below: a port no port-0 socket takes
        IPEndPoint address = first.LocalEndPoint;

        // A connection is open and used both ways.
        survivor.Send(address, Big(1));
        Assert.True(Receive(first, 1, TimeSpan.FromSeconds(5)), "the first process never got the large frame: the oracle that delivery works");
        first.Send(survivor.LocalEndPoint, Big(2));
        Assert.True(Receive(survivor, 2, TimeSpan.FromSeconds(5)), "the survivor never got the first process's large frame");

        first.Dispose(); // kill -9: no disconnect reaches the survivor
        using var second = new UdpTransport();
        second.Start(address);

        // The restarted process talks first with small datagrams (its join), as a real host does, then large frames flow.
        var clock = Stopwatch.StartNew();
        bool reached = false;
        for (byte tag = 3; tag < 60 && !reached; tag++)
        {
            second.Send(survivor.LocalEndPoint, Small(tag));
            survivor.Send(address, Big(tag));
            reached = Receive(second, tag, TimeSpan.FromMilliseconds(500));
        }

        output.WriteLine($"first large frame at the restarted peer after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(reached, $"no large frame reached the restarted peer in {clock.Elapsed.TotalSeconds:F0} s: they went to the dead process's connection");
    }

    private static byte[] Big(byte tag) => Frame(5000, tag); // above one datagram: goes reliable

    private static byte[] Small(byte tag) => Frame(40, tag);

    private static byte[] Frame(int bytes, byte tag)
    {
        byte[] frame = new byte[bytes];
        frame[0] = Transport.Frame.Magic;
        frame[1] = (byte)FrameKind.Node;
        frame[2] = tag;
        return frame;
    }

    private static bool Receive(UdpTransport transport, byte tag, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            while (transport.TryReceive(out Datagram datagram))
            {
                if (datagram.Data.Length > 1000 && datagram.Data[2] == tag)
                    return true;
            }

            transport.Signal.WaitOne(50);
        }

        return false;
    }
}
