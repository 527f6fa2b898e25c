using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>The M physically closest nodes this node knows, closest first. A join borrows its bootstrap's set.</summary>
internal struct NeighbourhoodSet
{
    private readonly PeerHandle[] _members;
    private int _count;

    // The farthest member's proximity: most offers are farther than every member of a full set, and this turns
    // them away without measuring that member again. Unknown (−1) when empty or too far for an int.
    private int _farthest;

    public NeighbourhoodSet(int size)
    {
        _members = size == 0 ? [] : new PeerHandle[size];
        _farthest = (int)Proximity.Unknown;
    }

    public readonly int Count => _count;

    public readonly PeerHandle this[int i] => _members[i];

    /// <summary>Offers a node; <paramref name="proximity"/> is shared with the other tables (see <see cref="RoutingTable.TryAdd"/>).</summary>
    public bool TryAdd(INodeContext context, PeerHandle peer, ref long proximity)
    {
        if (_members.Length == 0 || peer == context.Self)
            return false;
        for (int i = 0; i < _count; i++)
        {
            if (_members[i] == peer)
                return false;
        }

        long distance = Proximity.Of(context, peer, ref proximity);
        int position = _count;
        if (position > 0 && _farthest >= 0 && _farthest <= distance)
        {
            if (position >= _members.Length)
                return false; // full, and no closer than any member: the common case, decided without a measurement
        }
        else
        {
            if (position > 0 && _farthest >= 0)
                position--; // closer than the farthest member, known without measuring it
            while (position > 0 && context.ProximityTo(_members[position - 1]) > distance)
                position--;
            if (position >= _members.Length)
                return false;
        }

        int last = Math.Min(_count, _members.Length - 1);
        for (int i = last; i > position; i--)
            _members[i] = _members[i - 1];
        _members[position] = peer;
        if (_count < _members.Length)
            _count++;
        RememberFarthest(context);
        return true;
    }

    public bool Remove(INodeContext context, PeerHandle peer)
    {
        int at = Array.IndexOf(_members, peer, 0, _count);
        if (at < 0)
            return false;
        Array.Copy(_members, at + 1, _members, at, _count - at - 1);
        _members[--_count] = PeerHandle.None;
        if (_count > 0)
            RememberFarthest(context);
        else
            _farthest = (int)Proximity.Unknown;
        return true;
    }

    private void RememberFarthest(INodeContext context)
    {
        long farthest = context.ProximityTo(_members[_count - 1]);
        _farthest = farthest <= int.MaxValue ? (int)farthest : (int)Proximity.Unknown;
    }
}
