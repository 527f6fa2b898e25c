using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// The M physically closest nodes this node knows, closest first. A join borrows its bootstrap's set.
/// Its slots are lent by the node (the tail of the leaf set's array, <see cref="LeafSet.Lent"/>): this struct keeps
/// only the count and the farthest member's proximity, and every call is given the same slots.
/// </summary>
internal struct NeighbourhoodSet
{
    private int _count;

    // The farthest member's proximity: most offers are farther than every member of a full set, and this turns
    // them away without measuring that member again. Unknown (−1) when empty or too far for an int.
    private int _farthest;

    public NeighbourhoodSet()
    {
        _farthest = (int)Proximity.Unknown;
    }

    public readonly int Count => _count;

    /// <summary>
    /// Offers a node; <paramref name="proximity"/> is shared with the other tables (see <see cref="RoutingTable.TryAdd"/>).
    /// <paramref name="members"/> are this set's slots (M of them).
    /// </summary>
    public bool TryAdd(INodeContext context, Span<PeerHandle> members, PeerHandle peer, ref long proximity)
    {
        if (members.Length == 0 || peer == context.Self)
            return false;
        long distance = Proximity.Of(context, peer, ref proximity);
        bool beyondFarthest = _count > 0 && _farthest >= 0 && _farthest <= distance;
        if (beyondFarthest && _count >= members.Length)
            return false; // full, and no closer than any member (so not one of them): the common case, decided without reading the slots
        if (members[.._count].Contains(peer))
            return false;
        int position = _count;
        if (!beyondFarthest)
        {
            if (position > 0 && _farthest >= 0)
                position--; // closer than the farthest member, known without measuring it
            while (position > 0 && context.ProximityTo(members[position - 1]) > distance)
                position--;
            if (position >= members.Length)
                return false;
        }

        int last = Math.Min(_count, members.Length - 1);
        for (int i = last; i > position; i--)
            members[i] = members[i - 1];
        members[position] = peer;
        if (_count < members.Length)
            _count++;
        RememberFarthest(context, members);
        return true;
    }

    public bool Remove(INodeContext context, Span<PeerHandle> members, PeerHandle peer)
    {
        int at = members[.._count].IndexOf(peer);
        if (at < 0)
            return false;
        members[(at + 1).._count].CopyTo(members[at..]);
        members[--_count] = PeerHandle.None;
        if (_count > 0)
            RememberFarthest(context, members);
        else
            _farthest = (int)Proximity.Unknown;
        return true;
    }

    private void RememberFarthest(INodeContext context, Span<PeerHandle> members)
    {
        long farthest = context.ProximityTo(members[_count - 1]);
        _farthest = farthest <= int.MaxValue ? (int)farthest : (int)Proximity.Unknown;
    }
}
