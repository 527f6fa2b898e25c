using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>Upcalls from the overlay to whatever runs on top of it (the forest, a measurement harness).</summary>
public interface IOverlayListener
{
    /// <summary>The node finished its join and announced itself.</summary>
    void OnJoined(PastryNode node);

    /// <summary>
    /// A routed message is about to leave this node for <paramref name="nextHop"/> (none when it is about to be
    /// delivered here). Return false to stop it: Scribe's JOIN stops at the first node already in the tree.
    /// <paramref name="from"/> is the previous hop, or this node when the route starts here.
    /// </summary>
    bool OnForward(PastryNode node, PeerHandle from, in Message message, PeerHandle nextHop) => true;

    /// <summary>This node declared a peer dead (lease, probe or a graceful leave) and dropped it from its tables.</summary>
    void OnPeerDead(PastryNode node, PeerHandle peer) { }

    /// <summary>
    /// An upper layer's routed message got no per-hop ack from <paramref name="hop"/> in time; the overlay now probes
    /// the hop and has dropped it from its routing table. Return true when the layer sends the message on itself
    /// (with <see cref="PastryNode.Route"/> or <see cref="PastryNode.SendAcked"/>) or gives it up; false to have the
    /// overlay route it around the hop. <paramref name="message"/> is the message as it was sent to the hop.
    /// </summary>
    bool OnHopSilent(PastryNode node, PeerHandle hop, in Message message) => false;

    /// <summary>
    /// This node's join through <paramref name="bootstrap"/> went unanswered after <paramref name="attempts"/> quick
    /// retries (<see cref="PastryOptions.JoinRetryMicros"/>); it keeps trying every join timeout.
    /// </summary>
    void OnJoinStalled(PastryNode node, PeerHandle bootstrap, int attempts) { }

    /// <summary>A routed message reached the node numerically closest to its key (as far as this node knows).</summary>
    void OnDeliver(PastryNode node, PeerHandle from, in Message message);
}
