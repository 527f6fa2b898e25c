using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Overlay;

public class RoutingTableTests
{
    /// <summary>
    /// The oracle: every row kept in full, a slot taken by an offer when empty or held by a farther peer, as Pastry's
    /// table is defined. The table keeps deep rows as pairs and turns them into full rows as they fill; whatever it
    /// holds, every question the protocol asks of it must get the oracle's answer. The oracle measures both peers
    /// exactly; the table weighs an offer on the holder's rough code (4,096 µs steps): <paramref name="scale"/> 1 puts
    /// the fake proximities (1 to 51 ms) in 13 codes, so most offers tie with their holder; 1/64 puts them all in one
    /// or two codes; 10 spreads them to 510 ms, past the codes' ceiling, where every far pair ties again.
    /// </summary>
    [Theory]
    [InlineData(1UL, 4, 1.0)]
    [InlineData(2UL, 4, 1.0)]
    [InlineData(3UL, 2, 1.0)]
    [InlineData(4UL, 1, 1.0)]
    [InlineData(5UL, 4, 1.0 / 64)]
    [InlineData(6UL, 4, 10.0)]
    [InlineData(7UL, 2, 10.0)]
    public void AnswersAsAFullTableThroughOffersAndRemovals(ulong seed, int b, double scale)
    {
        var network = new FakeNetwork(seed);
        PeerHandle self = network.AddRandom();
        var context = new ScaledContext(network.ContextFor(self), scale);
        NodeId selfId = network.IdOf(self);
        int columns = 1 << b;
        int digits = NodeId.DigitCount(b);
        var oracle = new PeerHandle[digits * columns];
        int oracleRows = 0;
        var table = default(RoutingTable);
        var peers = new List<PeerHandle>();
        ulong random = seed;
        for (int step = 0; step < 3000; step++)
        {
            if (peers.Count > 0 && Next(ref random) % 5 == 0)
            {
                PeerHandle gone = peers[(int)(Next(ref random) % (ulong)peers.Count)];
                int at = Array.IndexOf(oracle, gone);
                if (at >= 0)
                    oracle[at] = PeerHandle.None;
                Assert.Equal(at >= 0, table.Remove(gone));
            }
            else
            {
                // Mostly deep peers: a shared prefix of 0 to 10 digits with this node, then random digits.
                int shared = (int)(Next(ref random) % 11);
                PeerHandle peer = network.Add(WithPrefix(selfId, shared * b, Next(ref random), Next(ref random)));
                peers.Add(peer);
                NodeId id = network.IdOf(peer);
                int row = selfId.SharedPrefixDigits(id, b);
                int slot = (row * columns) + id.Digit(row, b);
                oracleRows = Math.Max(oracleRows, row + 1);
                bool take = oracle[slot] != peer && (oracle[slot].IsNone || context.ProximityTo(oracle[slot]) > context.ProximityTo(peer));
                if (take)
                    oracle[slot] = peer;
                long proximity = Proximity.Unknown;
                SlotMemo memo = SlotMemo.Empty;
                Assert.Equal(take, table.TryAdd(context, selfId, b, peer, id, ref proximity, ref memo));
            }

            Assert.Equal(oracleRows, table.Rows(columns));
            for (int slot = 0; slot < oracle.Length; slot++)
                Assert.Equal(oracle[slot], table.Get(slot / columns, slot % columns, columns));
            PeerHandle probe = peers.Count == 0 ? PeerHandle.None : peers[(int)(Next(ref random) % (ulong)peers.Count)];
            int where = Array.IndexOf(oracle, probe);
            Assert.Equal(where < 0 ? (-1, -1) : (where / columns, where % columns), table.Find(probe, columns));
            int first = (int)(Next(ref random) % (ulong)(oracleRows + 1));
            int last = first + (int)(Next(ref random) % 4);
            PeerHandle[] expected = oracle.Skip(first * columns).Take(Math.Max(0, (Math.Min(last + 1, oracleRows) - first) * columns)).Where(p => !p.IsNone).ToArray();
            Assert.Equal(expected.Length, table.CountFilled(first, last, columns));
            var copied = new PeerHandle[expected.Length];
            Assert.Equal(expected.Length, table.CopyFilled(first, last, columns, copied));
            Assert.Equal(expected, copied);
            ulong pick = Next(ref random);
            Assert.Equal(OracleAnyInRow(oracle, oracleRows, first, columns, pick, probe), table.AnyInRow(first, columns, pick, probe));
        }
    }

    /// <summary>The rough code keeps the order of proximities: a lower code is always a lower proximity.</summary>
    [Fact]
    public void RoughCodesKeepTheOrderOfProximities()
    {
        ulong random = 9;
        for (int i = 0; i < 100_000; i++)
        {
            long a = (long)(Next(ref random) % 400_000);
            long c = (long)(Next(ref random) % 400_000);
            int codeA = RoutingTable.CodeOf(a);
            int codeC = RoutingTable.CodeOf(c);
            if (codeA < codeC)
                Assert.True(a < c, $"{a} (code {codeA}) against {c} (code {codeC})");
            Assert.InRange(codeA, 0, 63);
        }

        Assert.Equal(63, RoutingTable.CodeOf(long.MaxValue));
    }

    /// <summary>A node's context whose proximities are the fake network's times <c>scale</c> (ids and the rest unchanged).</summary>
    private sealed class ScaledContext(FakeNodeContext inner, double scale) : INodeContext
    {
        public long Now => inner.Now;

        public PeerHandle Self => inner.Self;

        public NodeId IdOf(PeerHandle peer) => inner.IdOf(peer);

        public long ProximityTo(PeerHandle peer) => (long)(inner.ProximityTo(peer) * scale);

        public void Send(PeerHandle peer, in Message message) => inner.Send(peer, message);

        public void SetTimer(long delayMicros, int timer, long argument = 0) => inner.SetTimer(delayMicros, timer, argument);

        public ulong NextRandom() => inner.NextRandom();
    }

    private static PeerHandle OracleAnyInRow(PeerHandle[] oracle, int rows, int row, int columns, ulong random, PeerHandle avoid)
    {
        if (row >= rows)
            return PeerHandle.None;
        for (int i = 0; i < columns; i++)
        {
            PeerHandle p = oracle[(row * columns) + (((int)(random % (ulong)columns) + i) % columns)];
            if (!p.IsNone && p != avoid)
                return p;
        }

        return PeerHandle.None;
    }

    private static NodeId WithPrefix(NodeId self, int bits, ulong high, ulong low)
    {
        UInt128 mask = bits == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - bits);
        return new NodeId((self.Value & mask) | (new UInt128(high, low) & ~mask));
    }

    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        return z ^ (z >> 27);
    }
}
