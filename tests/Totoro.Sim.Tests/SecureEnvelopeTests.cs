using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

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

    /// <summary>
    /// `sim --secure`: each round's broadcast carries the root's seal on every hop (its bytes and the framing, exactly),
    /// every node's check that the sealing root is the closest it knows passes, and every subscriber still gets the round.
    /// </summary>
    [Fact]
    public void Under_secure_every_broadcast_hop_carries_the_roots_seal_and_every_subscriber_takes_the_round()
    {
        const int Apps = 3, Subscribers = 80, Model = 40_000, Seal = 218;
        long sealedHops = 0, plainHops = 0;
        (ForestScenario plain, ForestSection plainReport) = RunForest(0, (int _, int _, in Message m) => plainHops += IsRound(m) ? 1 : 0);
        (ForestScenario secure, ForestSection secureReport) = RunForest(Seal, (int _, int _, in Message m) =>
        {
            if (!IsRound(m))
                return;
            sealedHops++;
            Assert.Equal(Model + Seal + 3, m.Payload!.Bytes);
        });

        Assert.Equal(Apps * Subscribers, plainReport.BroadcastsDelivered);
        Assert.Equal(Apps * Subscribers, secureReport.BroadcastsDelivered);
        Assert.True(sealedHops >= Apps * Subscribers / 2, $"{sealedHops} sealed hops");
        Assert.Equal(0, Enumerable.Range(0, 500).Sum(i => secure.Node(i).RefusedBroadcasts));
        Assert.Equal(0, Enumerable.Range(0, 500).Sum(i => plain.Node(i).RefusedBroadcasts));

        static bool IsRound(in Message m) => m.Kind == TreeKind.Broadcast && m.Key != AppId.AdvertiseDiscover;

        static (ForestScenario, ForestSection) RunForest(int sealBytes, Totoro.Sim.Kernel.SendObserver tap)
        {
            var overlay = new OverlaySimConfig { Nodes = 500, Lookups = 0, Seed = 12, Network = new NetworkOptions { BroadcastSealBytes = sealBytes } };
            var scenario = new ForestScenario(overlay, new ForestSimConfig { Apps = Apps, SubscribersPerApp = Subscribers, ModelBytes = Model });
            scenario.Overlay.BuildOverlay();
            scenario.Overlay.Settle(2);
            scenario.World.OnSend = tap;
            ForestSection report = scenario.RunForest();
            return (scenario, report);
        }
    }
}
