using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>Upcalls from the overlay to whatever runs on top of it (the forest, a measurement harness).</summary>
public interface IOverlayListener
{
    /// <summary>The node finished its join and announced itself.</summary>
    void OnJoined(PastryNode node);

    /// <summary>A routed message reached the node numerically closest to its key (as far as this node knows).</summary>
    void OnDeliver(PastryNode node, in Message message);
}
