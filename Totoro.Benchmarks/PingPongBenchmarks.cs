using BenchmarkDotNet.Attributes;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;
using Totoro.Sim.Network;

namespace Totoro.Benchmarks;

/// <summary>
/// Leaf-set keep-alives as a settled node handles them, 20 s apart for every node of every overlay: a pong (learn the
/// neighbour's leaf set: 24 peers weighed for the leaf set, the routing table and the neighbourhood set; nothing
/// changes in steady state) and a ping (the same, then a pong carrying this node's leaf set back). The node has
/// learned every one of 10^5 peers placed on the flat topology, so its tables are full; its context only records sends.
/// </summary>
[MemoryDiagnoser]
public class PingPongBenchmarks
{
    private const int Peers = 100_000;
    private const int Rounds = 1024;
    private BenchContext _context = null!;
    private PastryNode _node = null!;
    private Message _ping;
    private Message _pong;
    private PeerHandle _right;

    [GlobalSetup]
    public void Setup()
    {
        _context = new BenchContext(Peers);
        _node = new PastryNode(_context, _context.IdOf(_context.Self), new PastryOptions(), listener: null);
        var everyone = new PeerHandle[Peers - 1];
        for (int i = 1; i < Peers; i++)
            everyone[i - 1] = new PeerHandle(i);
        _node.Start(everyone[0]);
        _node.Receive(everyone[0], new Message { Kind = MessageKind.JoinReply, Flags = MessageFlags.Final, Key = _node.Id, Peers = everyone });

        // The right neighbour's leaf set: the 12 ids after it and the 12 before it on the ring (this node among them).
        int[] order = Enumerable.Range(0, Peers).OrderBy(i => _context.IdOf(new PeerHandle(i)).Value).ToArray();
        int at = Array.IndexOf(order, 0);
        int right = (at + 1) % Peers;
        _right = new PeerHandle(order[right]);
        PeerHandle[] leafSet = [.. Enumerable.Range(1, 12).Select(k => new PeerHandle(order[(right + k) % Peers])),
            .. Enumerable.Range(1, 12).Select(k => new PeerHandle(order[(right - k + Peers) % Peers]))];
        _ping = new Message { Kind = MessageKind.LeafSetPing, Peers = leafSet };
        _pong = new Message { Kind = MessageKind.LeafSetPong, Peers = leafSet };
        _context.Sent = 0;
    }

    [Benchmark(OperationsPerInvoke = Rounds)]
    public long HandlePong()
    {
        for (int i = 0; i < Rounds; i++)
            _node.Receive(_right, _pong);
        return _context.Sent;
    }

    [Benchmark(OperationsPerInvoke = Rounds)]
    public long HandlePing()
    {
        for (int i = 0; i < Rounds; i++)
            _node.Receive(_right, _ping);
        return _context.Sent;
    }

    /// <summary>A node's world reduced to what Pastry asks of it: ids, flat-topology proximity, a send counter.</summary>
    private sealed class BenchContext : INodeContext
    {
        private readonly NodeId[] _ids;
        private readonly FlatTopology _topology;
        private ulong _random = 7;

        public BenchContext(int peers)
        {
            _ids = new NodeId[peers];
            _topology = new FlatTopology(peers);
            ulong placement = 11;
            for (int i = 0; i < peers; i++)
            {
                _ids[i] = NodeId.FromRandom(SplitMix64.Next(ref _random), SplitMix64.Next(ref _random));
                _topology.Place(i, ref placement);
            }
        }

        public long Sent { get; set; }

        public long Now => 1_000_000;

        public PeerHandle Self => new(0);

        public NodeId IdOf(PeerHandle peer) => _ids[peer.Index];

        public long ProximityTo(PeerHandle peer) => 2 * _topology.OneWayMicros(0, peer.Index);

        public void Send(PeerHandle peer, in Message message) => Sent += message.PeerCount + 1;

        public void SetTimer(long delayMicros, int timer, long argument = 0)
        {
        }

        public ulong NextRandom() => SplitMix64.Next(ref _random);
    }
}
