using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Fakes;

/// <summary>
/// A node's whole world for a unit test: a clock that moves only when the test advances it, an outbox that records
/// every message the node sends, timers that fire only when the test fires them, and a seeded random stream.
/// </summary>
internal sealed class FakeNodeContext : INodeContext
{
    private readonly FakeNetwork _network;
    private readonly List<PendingTimer> _timers = [];
    private ulong _random;
    private long _nextTimer;

    public FakeNodeContext(FakeNetwork network, PeerHandle self, ulong seed)
    {
        _network = network;
        Self = self;
        _random = seed;
    }

    public long Now { get; private set; }

    public PeerHandle Self { get; }

    /// <summary>Every message sent so far, in order, with the time it was sent.</summary>
    public List<Sent> Outbox { get; } = [];

    /// <summary>Timers set and not fired yet, earliest first (ties in the order they were set).</summary>
    public IReadOnlyList<PendingTimer> Timers => _timers;

    public NodeId IdOf(PeerHandle peer) => _network.IdOf(peer);

    public long ProximityTo(PeerHandle peer) => FakeNetwork.Proximity(Self, peer);

    public void Send(PeerHandle peer, in Message message)
    {
        if (peer.IsNone)
            throw new InvalidOperationException($"{message.Kind} sent to no peer.");
        Outbox.Add(new Sent(peer, message, Now));
    }

    public void SetTimer(long delayMicros, int timer, long argument = 0)
    {
        var pending = new PendingTimer(Now + Math.Max(0, delayMicros), _nextTimer++, timer, argument);
        int at = _timers.FindIndex(t => t.Due > pending.Due);
        _timers.Insert(at < 0 ? _timers.Count : at, pending);
    }

    public ulong NextRandom()
    {
        ulong z = _random += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Moves the clock to <paramref name="time"/>, firing every timer due by then in order (each at its due time).</summary>
    public void AdvanceTo(long time, INodeProgram program)
    {
        if (time < Now)
            throw new ArgumentOutOfRangeException(nameof(time), $"The clock is at {Now}; it does not go back to {time}.");
        while (_timers.Count > 0 && _timers[0].Due <= time)
        {
            PendingTimer next = _timers[0];
            _timers.RemoveAt(0);
            Now = next.Due;
            program.OnTimer(next.Timer, next.Argument);
        }

        Now = time;
    }

    public void Advance(long micros, INodeProgram program) => AdvanceTo(Now + micros, program);

    /// <summary>Fires the earliest pending timer with this id now, without moving the clock; false when none is pending.</summary>
    public bool Fire(int timer, INodeProgram program)
    {
        int at = _timers.FindIndex(t => t.Timer == timer);
        if (at < 0)
            return false;
        PendingTimer pending = _timers[at];
        _timers.RemoveAt(at);
        program.OnTimer(pending.Timer, pending.Argument);
        return true;
    }

    /// <summary>The messages sent since the outbox was last cleared, then clears it.</summary>
    public List<Sent> Drain()
    {
        List<Sent> sent = [.. Outbox];
        Outbox.Clear();
        return sent;
    }

    public readonly record struct Sent(PeerHandle To, Message Message, long At);

    public readonly record struct PendingTimer(long Due, long Sequence, int Timer, long Argument);
}
