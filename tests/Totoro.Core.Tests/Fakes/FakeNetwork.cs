using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Fakes;

/// <summary>
/// The peer directory of a test: handles, ids and proximities, nothing else. No messages move by themselves; a test
/// hands a node each message it should see and reads what the node sent from its <see cref="FakeNodeContext"/>.
/// </summary>
internal sealed class FakeNetwork
{
    private readonly List<NodeId> _ids = [];
    private ulong _random;

    public FakeNetwork(ulong seed) => _random = seed;

    public int Count => _ids.Count;

    public PeerHandle Add(NodeId id)
    {
        _ids.Add(id);
        return new PeerHandle(_ids.Count - 1);
    }

    /// <summary>A peer with an id drawn from the network's seeded stream.</summary>
    public PeerHandle AddRandom() => Add(NodeId.FromRandom(Next(), Next()));

    public NodeId IdOf(PeerHandle peer) => _ids[peer.Index];

    /// <summary>Round-trip time between two peers (µs): a fixed function of their handles, symmetric, never zero.</summary>
    public static long Proximity(PeerHandle a, PeerHandle b) => 1000 + (137 * Math.Abs(a.Index - b.Index) % 50_000);

    /// <summary>A context for the node behind <paramref name="self"/>, with its own seeded random stream.</summary>
    public FakeNodeContext ContextFor(PeerHandle self) => new(this, self, Next());

    public ulong Next()
    {
        // SplitMix64: a seeded stream, the same on every run.
        ulong z = _random += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
