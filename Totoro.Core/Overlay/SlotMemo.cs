using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// The last routing-table slot weighed during one batch of offers, and its occupant's proximity: the peers of one
/// leaf set mostly fall into the same few slots, so their occupant is measured once per batch, not once per peer.
/// Lives on the stack of the call that learns the batch.
/// </summary>
internal struct SlotMemo
{
    private int _slot;
    private PeerHandle _occupant;
    private long _proximity;

    public static SlotMemo Empty => new() { _slot = -1 };

    /// <summary>The proximity of the peer in <paramref name="slot"/>, measured only if this memo does not hold it.</summary>
    public long ProximityOf(INodeContext context, int slot, PeerHandle occupant)
    {
        if (slot != _slot || occupant != _occupant)
            Remember(slot, occupant, context.ProximityTo(occupant));
        return _proximity;
    }

    public void Remember(int slot, PeerHandle occupant, long proximity)
    {
        _slot = slot;
        _occupant = occupant;
        _proximity = proximity;
    }
}
