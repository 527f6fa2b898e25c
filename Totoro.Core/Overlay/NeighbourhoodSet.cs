using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>The M physically closest nodes this node knows, closest first. A join borrows its bootstrap's set.</summary>
internal struct NeighbourhoodSet
{
    private readonly PeerHandle[] _members;
    private int _count;

    public NeighbourhoodSet(int size)
    {
        _members = size == 0 ? [] : new PeerHandle[size];
    }

    public readonly int Count => _count;

    public readonly PeerHandle this[int i] => _members[i];

    public bool TryAdd(INodeContext context, PeerHandle peer)
    {
        if (_members.Length == 0 || peer == context.Self)
            return false;
        for (int i = 0; i < _count; i++)
        {
            if (_members[i] == peer)
                return false;
        }

        long proximity = context.ProximityTo(peer);
        int position = _count;
        while (position > 0 && context.ProximityTo(_members[position - 1]) > proximity)
            position--;
        if (position >= _members.Length)
            return false;
        int last = Math.Min(_count, _members.Length - 1);
        for (int i = last; i > position; i--)
            _members[i] = _members[i - 1];
        _members[position] = peer;
        if (_count < _members.Length)
            _count++;
        return true;
    }

    public bool Remove(PeerHandle peer)
    {
        int at = Array.IndexOf(_members, peer, 0, _count);
        if (at < 0)
            return false;
        Array.Copy(_members, at + 1, _members, at, _count - at - 1);
        _members[--_count] = PeerHandle.None;
        return true;
    }
}
