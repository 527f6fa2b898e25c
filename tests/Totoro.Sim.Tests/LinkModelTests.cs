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
    public void A_message_that_reaches_the_receiver_first_is_not_held_behind_one_reserved_for_later()
    {
        LinkModel links = Links();
        // 10 kB from node 0: 10 ms on its uplink, reaches node 1 at 15 ms, 5 ms on node 1's downlink.
        long late = links.Transmit(0, 1, 10_000 - LinkModel.WireOverheadBytes, now: 0);
        // 1 kB from node 2, sent at the same moment: reaches at 6 ms, while node 1's downlink is idle until 15 ms.
        long early = links.Transmit(2, 1, 1_000 - LinkModel.WireOverheadBytes, now: 0);
        // 10 kB more from node 2: leaves at 11 ms, reaches at 16 ms, when the first is still being received: it waits.
        long behind = links.Transmit(2, 1, 10_000 - LinkModel.WireOverheadBytes, now: 0);
        Assert.Equal(20_000, late);
        Assert.Equal(6_000 + 500, early); // in send order (the first version) it came at 20.5 ms
        Assert.Equal(late + 5_000, behind);
    }

    [Fact]
    public void A_receivers_downlink_takes_one_message_at_a_time_and_none_before_it_could_arrive()
    {
        // Senders at different distances and with different queues, all to node 0: whatever the order the downlink is
        // reserved in, no two receptions overlap, and none ends before the message's own transmission, flight and
        // reception could have (the oracle: every interval, sorted and checked pairwise).
        var options = new NetworkOptions { UplinkMbps = (8, 8), DownlinkMbps = (16, 16) };
        var links = new LinkModel(new SpreadTopology(), 40, options, seed: 3);
        ulong random = 1;
        for (int i = 0; i < 40; i++)
            links.Place(i, ref random);
        var receptions = new List<(long Start, long End)>();
        ulong draw = 7;
        long now = 0;
        for (int m = 0; m < 2_000; m++)
        {
            now += (long)(Totoro.Sim.Kernel.SplitMix64.NextDouble(ref draw) * 3_000);
            int from = 1 + (int)(Totoro.Sim.Kernel.SplitMix64.NextDouble(ref draw) * 39);
            int bytes = 50 + (int)(Totoro.Sim.Kernel.SplitMix64.NextDouble(ref draw) * 20_000);
            long received = links.Transmit(from, 0, bytes, now);
            long service = (long)Math.Ceiling((bytes + LinkModel.WireOverheadBytes) / 2.0);
            long earliest = now + (bytes + LinkModel.WireOverheadBytes) + links.OneWayMicros(from, 0) + service;
            Assert.True(received >= earliest, $"message {m} received at {received}, before it could have been ({earliest})");
            receptions.Add((received - service, received));
        }

        receptions.Sort();
        for (int i = 1; i < receptions.Count; i++)
            Assert.True(receptions[i].Start >= receptions[i - 1].End, $"receptions {receptions[i - 1]} and {receptions[i]} overlap");
    }

    [Fact]
    public void Thousands_of_receivers_holding_idle_stretches_at_once_each_take_one_message_at_a_time()
    {
        // Each of 3,000 receivers gets four messages at once, wave after wave, from senders 1–40 ms away, so each holds
        // several idle stretches at the same time and the pool of stretches spans several of its segments
        // (DownlinkGaps: 1,024 blocks each). The oracle of the one-receiver test, per receiver: no two receptions
        // overlap, and none ends before the message's flight and reception could have. A block shared by two nodes
        // across a segment's edge would let one node's message into the other's idle time.
        const int Receivers = 3_000, Senders = 64;
        var options = new NetworkOptions { UplinkMbps = (800, 800), DownlinkMbps = (16, 16) };
        var links = new LinkModel(new PairTopology(), Receivers + Senders, options, seed: 5);
        ulong random = 1;
        for (int i = 0; i < Receivers + Senders; i++)
            links.Place(i, ref random);
        var receptions = new List<(long Start, long End)>[Receivers];
        ulong draw = 11;
        for (long now = 0; now < 6 * 30_000; now += 30_000)
        {
            for (int to = 0; to < Receivers; to++)
            {
                for (int k = 0; k < 4; k++)
                {
                    int from = Receivers + (int)(Totoro.Sim.Kernel.SplitMix64.NextDouble(ref draw) * Senders);
                    int bytes = 50 + (int)(Totoro.Sim.Kernel.SplitMix64.NextDouble(ref draw) * 4_000);
                    long received = links.Transmit(from, to, bytes, now);
                    long service = (long)Math.Ceiling((bytes + LinkModel.WireOverheadBytes) / 2.0);
                    long earliest = now + links.OneWayMicros(from, to) + service;
                    Assert.True(received >= earliest, $"a message to {to} received at {received}, before it could have been ({earliest})");
                    (receptions[to] ??= []).Add((received - service, received));
                }
            }
        }

        for (int to = 0; to < Receivers; to++)
        {
            receptions[to].Sort();
            for (int i = 1; i < receptions[to].Count; i++)
                Assert.True(receptions[to][i].Start >= receptions[to][i - 1].End, $"receptions {receptions[to][i - 1]} and {receptions[to][i]} at {to} overlap");
        }
    }

    /// <summary>Each pair of nodes 1–40 ms apart, drawn from the pair: one receiver's senders are at different distances.</summary>
    private sealed class PairTopology : ITopology
    {
        public string Name => "pairs";

        public int BytesPerNode => 0;

        public void Place(int index, ref ulong random)
        {
        }

        public long OneWayMicros(int from, int to) => from == to ? 0 : 1_000 * (1 + (((from * 31) + (to * 17)) % 40));
    }

    /// <summary>Node i is i ms from node 0: messages sent later from nearer nodes reach it first.</summary>
    private sealed class SpreadTopology : ITopology
    {
        public string Name => "spread";

        public int BytesPerNode => 0;

        public void Place(int index, ref ulong random)
        {
        }

        public long OneWayMicros(int from, int to) => from == to ? 0 : 1_000 * Math.Max(from, to);
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
