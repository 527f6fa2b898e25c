using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// The L/2 numerically closest ids on each side of a node. Each side is kept sorted, closest first.
/// The sides are independent, so on a ring smaller than L a node may sit on both.
/// A mutable struct held by value in its node: one array, two counts and how far each side reaches, no object of its
/// own. The array's slots past the leaf set are lent to the node's neighbourhood set (<see cref="Lent"/>): one object
/// header and length per node fewer than two arrays.
/// </summary>
internal struct LeafSet
{
    private readonly PeerHandle[] _members; // [0, half): clockwise side; [half, 2·half): counter-clockwise side; then lent
    private uint _rightReach; // DistanceCode of the farthest clockwise member when that side is full, or Unknown
    private uint _leftReach;
    private readonly byte _half;
    private byte _right;
    private byte _left;

    /// <param name="size">L, the leaf set's size (even).</param>
    /// <param name="lent">Slots after the leaf set lent to another table of the node.</param>
    public LeafSet(int size, int lent = 0)
    {
        _members = new PeerHandle[size + lent];
        _half = (byte)(size / 2);
    }

    private readonly int Half => _half;

    public readonly int RightCount => _right;

    public readonly int LeftCount => _left;

    /// <summary>The slots past the leaf set, lent to the node's neighbourhood set.</summary>
    public readonly Span<PeerHandle> Lent => _members.AsSpan(2 * _half);

    /// <summary>The i-th closest node clockwise (towards larger ids).</summary>
    public readonly PeerHandle Right(int i) => i < _right ? _members[i] : PeerHandle.None;

    /// <summary>The i-th closest node counter-clockwise.</summary>
    public readonly PeerHandle Left(int i) => i < _left ? _members[Half + i] : PeerHandle.None;

    /// <summary>Whether a side holds fewer than L/2 nodes, which at steady state means the whole ring is known.</summary>
    public readonly bool IsShort => _right < Half || _left < Half;

    public readonly bool Contains(PeerHandle peer) => IndexOnSide(peer, 0, _right) >= 0 || IndexOnSide(peer, Half, _left) >= 0;

    /// <summary>Offers a node whose id is <paramref name="id"/>; returns true if the leaf set changed.</summary>
    public bool TryAdd(INodeContext context, NodeId self, PeerHandle peer, NodeId id)
    {
        if (id == self)
            return false;
        UInt128 cw = self.ClockwiseTo(id);
        UInt128 ccw = id.ClockwiseTo(self);

        // A full side never takes a node beyond its farthest member (nor holds one): most offers stop here, on the codes.
        bool changed = false;
        if (_right < Half || DistanceCode.Of(cw) <= RightReach(context, self))
        {
            changed = InsertSorted(context, peer, cw, 0, ref _right, clockwise: true, self);
            if (changed)
                _rightReach = DistanceCode.Unknown;
        }

        if (_left < Half || DistanceCode.Of(ccw) <= LeftReach(context, self))
        {
            bool left = InsertSorted(context, peer, ccw, Half, ref _left, clockwise: false, self);
            if (left)
                _leftReach = DistanceCode.Unknown;
            changed |= left;
        }

        return changed;
    }

    /// <summary>Whether this node (whose id is <paramref name="id"/>) is no member and lies within a side's farthest member (any node while a side has room).</summary>
    public bool WouldAdmit(INodeContext context, NodeId self, PeerHandle peer, NodeId id)
    {
        if (id == self)
            return false;
        if (!IsShort && !Within(context, self, self.ClockwiseTo(id), id.ClockwiseTo(self), inclusive: false))
            return false;
        return !Contains(peer);
    }

    public bool Remove(PeerHandle peer)
    {
        bool right = RemoveFromSide(peer, 0, ref _right);
        bool left = RemoveFromSide(peer, Half, ref _left);
        if (right)
            _rightReach = DistanceCode.Unknown;
        if (left)
            _leftReach = DistanceCode.Unknown;
        return right | left;
    }

    /// <summary>True when the key lies between the farthest members of the two sides, so the closest node to it is known here.</summary>
    public bool Covers(INodeContext context, NodeId self, NodeId key)
        => IsShort || Within(context, self, self.ClockwiseTo(key), key.ClockwiseTo(self), inclusive: true);

    /// <summary>
    /// The member numerically closest to the key (never <paramref name="avoid"/>), or <see cref="PeerHandle.None"/>
    /// when this node itself is closest.
    /// </summary>
    public readonly PeerHandle Closest(INodeContext context, NodeId self, NodeId key, PeerHandle avoid = default)
    {
        PeerHandle best = PeerHandle.None;
        NodeId bestId = self;
        for (int i = 0; i < 2 * Half; i++)
        {
            if ((i < Half && i >= _right) || (i >= Half && i - Half >= _left) || (!avoid.IsNone && _members[i] == avoid))
                continue;
            NodeId id = context.IdOf(_members[i]);
            if (key.IsCloser(id, bestId))
            {
                best = _members[i];
                bestId = id;
            }
        }

        return best;
    }

    /// <summary>Every distinct member, clockwise side first.</summary>
    public readonly int CopyDistinct(Span<PeerHandle> destination)
    {
        int n = 0;
        for (int i = 0; i < _right; i++)
            destination[n++] = _members[i];
        for (int i = 0; i < _left; i++)
        {
            PeerHandle p = _members[Half + i];
            if (IndexOnSide(p, 0, _right) < 0)
                destination[n++] = p;
        }

        return n;
    }

    public readonly int DistinctCount
    {
        get
        {
            int n = _right;
            for (int i = 0; i < _left; i++)
            {
                if (IndexOnSide(_members[Half + i], 0, _right) < 0)
                    n++;
            }

            return n;
        }
    }

    /// <summary>
    /// Of a full leaf set: whether a point this far clockwise (<paramref name="cw"/>) and counter-clockwise
    /// (<paramref name="ccw"/>) lies within either side's farthest member (at it too when <paramref name="inclusive"/>).
    /// The codes decide unless they tie; then the farthest member's id is read.
    /// </summary>
    private bool Within(INodeContext context, NodeId self, UInt128 cw, UInt128 ccw, bool inclusive)
    {
        uint code = DistanceCode.Of(cw);
        uint reach = RightReach(context, self);
        if (code < reach)
            return true;
        if (code == reach)
        {
            UInt128 far = self.ClockwiseTo(context.IdOf(_members[_right - 1]));
            if (cw < far || (inclusive && cw == far))
                return true;
        }

        code = DistanceCode.Of(ccw);
        reach = LeftReach(context, self);
        if (code != reach)
            return code < reach;
        UInt128 farLeft = context.IdOf(_members[Half + _left - 1]).ClockwiseTo(self);
        return ccw < farLeft || (inclusive && ccw == farLeft);
    }

    /// <summary>The code of the farthest clockwise member's distance (the side must be full), measured once after each change.</summary>
    private uint RightReach(INodeContext context, NodeId self)
    {
        if (_rightReach == DistanceCode.Unknown)
            _rightReach = DistanceCode.Of(self.ClockwiseTo(context.IdOf(_members[_right - 1])));
        return _rightReach;
    }

    private uint LeftReach(INodeContext context, NodeId self)
    {
        if (_leftReach == DistanceCode.Unknown)
            _leftReach = DistanceCode.Of(context.IdOf(_members[Half + _left - 1]).ClockwiseTo(self));
        return _leftReach;
    }

    private readonly int IndexOnSide(PeerHandle peer, int start, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (_members[start + i] == peer)
                return start + i;
        }

        return -1;
    }

    private readonly bool InsertSorted(INodeContext context, PeerHandle peer, UInt128 distance, int start, ref byte count, bool clockwise, NodeId self)
    {
        if (IndexOnSide(peer, start, count) >= 0)
            return false;
        int position = count;
        while (position > 0)
        {
            NodeId other = context.IdOf(_members[start + position - 1]);
            UInt128 otherDistance = clockwise ? self.ClockwiseTo(other) : other.ClockwiseTo(self);
            if (otherDistance < distance)
                break;
            position--;
        }

        if (position >= Half)
            return false;
        int last = Math.Min(count, Half - 1);
        for (int i = last; i > position; i--)
            _members[start + i] = _members[start + i - 1];
        _members[start + position] = peer;
        if (count < Half)
            count++;
        return true;
    }

    private readonly bool RemoveFromSide(PeerHandle peer, int start, ref byte count)
    {
        int at = IndexOnSide(peer, start, count);
        if (at < 0)
            return false;
        int end = start + count - 1;
        for (int i = at; i < end; i++)
            _members[i] = _members[i + 1];
        _members[end] = PeerHandle.None;
        count--;
        return true;
    }
}
