using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Overlay;

public class LeafSetTests
{
    /// <summary>
    /// The oracle: each side a plain list of the peers offered and kept, sorted by distance, cut to L/2, and a
    /// neighbourhood list sorted by proximity cut to M, as Pastry defines them. The leaf set keeps codes of its reach
    /// and lends the tail of its array to the neighbourhood set; through random offers and removals to both, every
    /// question the protocol asks must get the oracle's answer. Half the ids sit at nearly equal distances from the
    /// node, so that the reach codes tie and the exact path runs too.
    /// </summary>
    [Theory]
    [InlineData(1UL, 24, 16)]
    [InlineData(2UL, 8, 4)]
    [InlineData(3UL, 2, 0)]
    [InlineData(4UL, 16, 1)]
    public void AnswersAsSortedListsThroughOffersAndRemovals(ulong seed, int size, int neighbourhood)
    {
        var network = new FakeNetwork(seed);
        PeerHandle self = network.AddRandom();
        FakeNodeContext context = network.ContextFor(self);
        NodeId selfId = network.IdOf(self);
        int half = size / 2;
        var leaf = new LeafSet(size, lent: neighbourhood);
        var neighbours = new NeighbourhoodSet();
        var right = new List<PeerHandle>();
        var left = new List<PeerHandle>();
        var near = new List<PeerHandle>();
        var peers = new List<PeerHandle>();
        ulong random = seed;
        for (int step = 0; step < 4000; step++)
        {
            ulong roll = Next(ref random) % 10;
            if (peers.Count > 0 && roll < 3)
            {
                PeerHandle gone = peers[(int)(Next(ref random) % (ulong)peers.Count)];
                bool inLeaf = right.Remove(gone) | left.Remove(gone);
                Assert.Equal(inLeaf, leaf.Remove(gone));
                Assert.Equal(near.Remove(gone), neighbours.Remove(context, leaf.Lent, gone));
            }
            else
            {
                PeerHandle peer = roll < 6 && peers.Count > 0 ? peers[(int)(Next(ref random) % (ulong)peers.Count)] : network.Add(RandomId(selfId, ref random));
                if (!peers.Contains(peer))
                    peers.Add(peer);
                NodeId id = network.IdOf(peer);
                Assert.Equal(OracleWouldAdmit(right, left, selfId, peer, id, half, network), leaf.WouldAdmit(context, selfId, peer, id));
                Assert.Equal(OracleOffer(right, left, selfId, peer, id, half, network), leaf.TryAdd(context, selfId, peer, id));
                long proximity = Proximity.Unknown;
                Assert.Equal(OracleNear(near, context, peer, neighbourhood), neighbours.TryAdd(context, leaf.Lent, peer, ref proximity));
            }

            Assert.Equal(right.Count, leaf.RightCount);
            Assert.Equal(left.Count, leaf.LeftCount);
            for (int i = 0; i <= half; i++)
            {
                Assert.Equal(i < right.Count ? right[i] : PeerHandle.None, leaf.Right(i));
                Assert.Equal(i < left.Count ? left[i] : PeerHandle.None, leaf.Left(i));
            }

            Assert.Equal(near.Count, neighbours.Count);
            Assert.Equal(near, leaf.Lent[..neighbours.Count].ToArray());
            NodeId key = RandomId(selfId, ref random);
            Assert.Equal(OracleCovers(right, left, selfId, key, half, network), leaf.Covers(context, selfId, key));
            Assert.Equal(OracleClosest(right, left, selfId, key, network), leaf.Closest(context, selfId, key));
            PeerHandle[] distinct = [.. right, .. left.Where(p => !right.Contains(p))];
            var copied = new PeerHandle[size];
            Assert.Equal(distinct.Length, leaf.CopyDistinct(copied));
            Assert.Equal(distinct, copied[..distinct.Length]);
            Assert.Equal(distinct.Length, leaf.DistinctCount);
        }
    }

    /// <summary>The code keeps the order of distances: a &lt; b never gives a larger code to a, and equal codes are rare far apart.</summary>
    [Fact]
    public void DistanceCodesKeepOrder()
    {
        ulong random = 7;
        for (int i = 0; i < 100_000; i++)
        {
            var a = new UInt128(Next(ref random) >> (int)(Next(ref random) % 64), Next(ref random));
            UInt128 b = (i % 2) == 0 ? a + (Next(ref random) >> (int)(Next(ref random) % 64)) : new UInt128(Next(ref random), Next(ref random));
            (UInt128 low, UInt128 high) = a <= b ? (a, b) : (b, a);
            Assert.True(DistanceCode.Of(low) <= DistanceCode.Of(high), $"{low} < {high} but its code is larger");
            Assert.NotEqual(DistanceCode.Unknown, DistanceCode.Of(low));
        }

        Assert.True(DistanceCode.Of(UInt128.One << 100) < DistanceCode.Of((UInt128.One << 100) + (UInt128.One << 80)));
        Assert.Equal(DistanceCode.Of(UInt128.One << 100), DistanceCode.Of((UInt128.One << 100) + 1));
    }

    private static bool OracleOffer(List<PeerHandle> right, List<PeerHandle> left, NodeId self, PeerHandle peer, NodeId id, int half, FakeNetwork network)
    {
        if (id == self)
            return false;
        bool changed = OracleInsert(right, peer, self.ClockwiseTo(id), p => self.ClockwiseTo(network.IdOf(p)), half);
        return OracleInsert(left, peer, id.ClockwiseTo(self), p => network.IdOf(p).ClockwiseTo(self), half) | changed;
    }

    /// <summary>Not a member, and nearer than the farthest member of a side (any node, while a side has room).</summary>
    private static bool OracleWouldAdmit(List<PeerHandle> right, List<PeerHandle> left, NodeId self, PeerHandle peer, NodeId id, int half, FakeNetwork network)
        => id != self && !right.Contains(peer) && !left.Contains(peer)
            && (right.Count < half || left.Count < half
                || self.ClockwiseTo(id) < self.ClockwiseTo(network.IdOf(right[^1]))
                || id.ClockwiseTo(self) < network.IdOf(left[^1]).ClockwiseTo(self));

    private static bool OracleInsert(List<PeerHandle> side, PeerHandle peer, UInt128 distance, Func<PeerHandle, UInt128> distanceOf, int half)
    {
        if (side.Contains(peer))
            return false;
        int at = side.Count(p => distanceOf(p) < distance); // after every closer member, before any as far
        if (at >= half)
            return false;
        side.Insert(at, peer);
        if (side.Count > half)
            side.RemoveAt(half);
        return true;
    }

    private static bool OracleNear(List<PeerHandle> near, FakeNodeContext context, PeerHandle peer, int size)
    {
        if (size == 0 || peer == context.Self || near.Contains(peer))
            return false;
        long distance = context.ProximityTo(peer);
        int at = near.Count(p => context.ProximityTo(p) <= distance); // after every member as close
        if (at >= size)
            return false;
        near.Insert(at, peer);
        if (near.Count > size)
            near.RemoveAt(size);
        return true;
    }

    private static bool OracleCovers(List<PeerHandle> right, List<PeerHandle> left, NodeId self, NodeId key, int half, FakeNetwork network)
        => right.Count < half || left.Count < half
            || self.ClockwiseTo(key) <= self.ClockwiseTo(network.IdOf(right[^1]))
            || key.ClockwiseTo(self) <= network.IdOf(left[^1]).ClockwiseTo(self);

    private static PeerHandle OracleClosest(List<PeerHandle> right, List<PeerHandle> left, NodeId self, NodeId key, FakeNetwork network)
    {
        PeerHandle best = PeerHandle.None;
        NodeId bestId = self;
        foreach (PeerHandle p in right.Concat(left))
        {
            if (key.IsCloser(network.IdOf(p), bestId))
                (best, bestId) = (p, network.IdOf(p));
        }

        return best;
    }

    /// <summary>Half the time anywhere on the ring; else about 2^90 either way of the node, where distances share their codes.</summary>
    private static NodeId RandomId(NodeId self, ref ulong random)
    {
        if (Next(ref random) % 2 == 0)
            return new NodeId(new UInt128(Next(ref random), Next(ref random)));
        UInt128 offset = (UInt128.One << 90) + (Next(ref random) % 4096);
        return new NodeId(Next(ref random) % 2 == 0 ? self.Value + offset : self.Value - offset);
    }

    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        return z ^ (z >> 27);
    }
}
