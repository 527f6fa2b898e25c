using Totoro.Sim.Network;

namespace Totoro.Sim.Tests;

public class LinkModelTests
{
    private sealed class FixedTopology(long oneWayMicros) : ITopology
    {
        public string Name => "fixed";

        public int BytesPerNode => 0;

        public void Place(int index, ref ulong random)
        {
        }

        public long OneWayMicros(int from, int to) => from == to ? 0 : oneWayMicros;
    }

    private static LinkModel Links(double lossRate = 0)
    {
        // 8 Mbit/s up and 16 Mbit/s down everywhere: 1 byte/µs up, 2 bytes/µs down.
        var options = new NetworkOptions { UplinkMbps = (8, 8), DownlinkMbps = (16, 16), LossRate = lossRate };
        var links = new LinkModel(new FixedTopology(5_000), 3, options, seed: 1);
        ulong random = 1;
        for (int i = 0; i < 3; i++)
            links.Place(i, ref random);
        return links;
    }

    [Fact]
    public void A_message_takes_its_size_over_both_links_plus_latency()
    {
        LinkModel links = Links();
        int payload = 10_000 - LinkModel.WireOverheadBytes;
        long arrival = links.Transmit(0, 1, payload, now: 0);
        Assert.Equal(10_000 + 5_000 + 5_000, arrival); // 10 ms uplink, 5 ms latency, 5 ms downlink
    }

    [Fact]
    public void Back_to_back_messages_queue_on_the_senders_uplink()
    {
        LinkModel links = Links();
        int payload = 1_000 - LinkModel.WireOverheadBytes;
        long first = links.Transmit(0, 1, payload, now: 0);
        long second = links.Transmit(0, 2, payload, now: 0);
        Assert.Equal(1_000 + 5_000 + 500, first);
        Assert.Equal(2_000 + 5_000 + 500, second);
    }

    [Fact]
    public void Two_senders_queue_on_one_receivers_downlink()
    {
        LinkModel links = Links();
        int payload = 4_000 - LinkModel.WireOverheadBytes;
        long first = links.Transmit(0, 2, payload, now: 0);
        long second = links.Transmit(1, 2, payload, now: 0);
        Assert.Equal(4_000 + 5_000 + 2_000, first);
        Assert.Equal(first + 2_000, second);
    }

    [Fact]
    public void Loss_drops_about_the_configured_fraction()
    {
        LinkModel links = Links(lossRate: 0.2);
        int lost = 0;
        for (int i = 0; i < 20_000; i++)
        {
            if (links.Transmit(0, 1, 10, now: i * 1_000_000L) < 0)
                lost++;
        }

        Assert.InRange(lost / 20_000.0, 0.18, 0.22);
    }
}
