namespace Totoro.Core.Runtime;

/// <summary>
/// Everything a node's protocol code may touch of the world. Implemented by the simulator and by the real host;
/// protocol code never reads a wall clock, opens a socket, starts a thread or uses a static random generator.
/// Calls happen on one thread, one event at a time.
/// </summary>
public interface INodeContext
{
    /// <summary>Microseconds since the world began (simulated or wall).</summary>
    long Now { get; }

    /// <summary>This node's own handle in the directory.</summary>
    PeerHandle Self { get; }

    /// <summary>The id of any peer this node holds a handle to.</summary>
    NodeId IdOf(PeerHandle peer);

    /// <summary>
    /// Proximity to a peer (estimated round-trip time in microseconds); lower is closer.
    /// Used by proximity neighbour selection.
    /// </summary>
    long ProximityTo(PeerHandle peer);

    /// <summary>Unreliable datagram semantics: the message may be lost, late or reordered.</summary>
    void Send(PeerHandle peer, in Message message);

    /// <summary>Calls the node's timer callback with <paramref name="timer"/> and <paramref name="argument"/> after the delay.</summary>
    void SetTimer(long delayMicros, int timer, long argument = 0);

    /// <summary>The next value of this node's seeded random stream.</summary>
    ulong NextRandom();

    /// <summary>
    /// A hint that the node is about to ask for these peers' ids and proximity: a simulator of a million nodes starts
    /// loading them from memory together instead of one after another. Changes nothing; by default does nothing.
    /// </summary>
    void Prefetch(ReadOnlySpan<PeerHandle> peers)
    {
    }

    /// <summary>
    /// How long what this node has already sent will take to leave it (µs): a bulk sender (a model's chunks) waits
    /// while this is long, so that small messages do not queue behind a whole model. 0 when the world cannot tell.
    /// </summary>
    long SendBacklogMicros => 0;

    /// <summary>
    /// Whether <see cref="SendBacklogMicros"/> is the time this node's own queued bytes take to leave it, so that its
    /// growth at a send is that message's time on the uplink (the simulator's uplink queue); false where it is a guess
    /// at a nominal rate (real mode's socket queue). A path planner then times its own uplink from it.
    /// </summary>
    bool SendBacklogIsTimed => false;

    /// <summary>
    /// Whether a peer dies with this node (another logical node of the same host): replicas go elsewhere first. In the
    /// simulator every node is its own machine.
    /// </summary>
    bool SharesFate(PeerHandle peer) => false;
}
