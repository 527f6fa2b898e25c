using Totoro.Sim.Network;

namespace Totoro.Sim.Tests;

public class SecureEnvelopeTests
{
    /// <summary>The oracle: a link's time for a datagram is (message + headers + envelope) / bandwidth, so the envelope adds exactly its bytes' time.</summary>
    [Fact]
    public void The_envelope_bytes_are_charged_on_every_datagram_and_only_when_asked()
    {
        var topology = new FlatTopology(2, 1);
        var plain = new LinkModel(topology, 2, new NetworkOptions(), 1);
        var sealedLinks = new LinkModel(topology, 2, new NetworkOptions { EnvelopeBytes = 31 }, 1);
        foreach (LinkModel links in new[] { plain, sealedLinks })
        {
            links.SetSpeeds(0, 8, 8_000_000);
            links.SetSpeeds(1, 8, 8_000_000);
        }

        Assert.Equal(LinkModel.WireOverheadBytes, plain.OverheadBytes);
        Assert.Equal(LinkModel.WireOverheadBytes + 31, sealedLinks.OverheadBytes);
        // 8 Mbit/s = 1 byte per µs on the uplink: each datagram of 1000 bytes takes 1028 µs plain and 1059 µs sealed.
        long a = 0, b = 0;
        for (int i = 0; i < 10; i++)
        {
            a = plain.Transmit(0, 1, 1000, 0);
            b = sealedLinks.Transmit(0, 1, 1000, 0);
        }

        Assert.InRange(b - a, (10 * 31) - 2, (10 * 31) + 2); // the downlink rounds each datagram up to a µs
    }
}
