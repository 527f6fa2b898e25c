using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// An upper layer found that a peer lacks a node it should know: the peer acts as the node closest to a key (an app's
/// root) while this node knows a closer one. Pastry repairs its tables from the traffic it sees, but a node back from
/// a restart or a cut may hear nothing from that side for a while; one message naming the closer node lets the peer's
/// own overlay check it (a second-hand peer is probed before it enters a leaf set) and then route to it.
/// </summary>
public sealed partial class PastryNode
{
    /// <summary>Tells <paramref name="to"/> about <paramref name="peer"/>: this node itself, or one of its tables.</summary>
    public void Introduce(PeerHandle to, PeerHandle peer)
    {
        if (to.IsNone || to == _context.Self || peer.IsNone || peer == to)
            return;
        _context.Send(to, peer == _context.Self
            ? new Message { Kind = MessageKind.Announce }
            : new Message { Kind = MessageKind.LeafSetPong, Peers = [peer] });
    }
}
