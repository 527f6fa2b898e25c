using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// Healing a partition: peers this node declared dead may only have been cut off (a namespace, a site, a flapping
/// link), and once the cut heals nothing else would ever bring the two sides together again, because each side has
/// dropped the other from every table. So a node keeps the last few peers it declared dead and, every few leaf-set
/// periods, pings one of them with its leaf set; one that answers is alive, and its pong's leaf set brings the rest of
/// its side back. Off unless <see cref="PastryOptions.ProbeDepartedEvery"/> is set (real mode sets it; the simulator's
/// failed nodes never return).
/// </summary>
public sealed partial class PastryNode
{
    private void RememberDeparted(PeerHandle peer)
    {
        if (_options.ProbeDepartedEvery <= 0)
            return;
        (Rare.Departed ??= new DepartedPeers()).Add(peer, _context.Now); // only when probing is on: no bytes per node otherwise
    }

    private void ForgetDeparted(PeerHandle peer) => _rare?.Departed?.Remove(peer);

    /// <summary>Called each leaf-set period: every <see cref="PastryOptions.ProbeDepartedEvery"/>-th one pings one departed peer.</summary>
    private void ProbeDeparted()
    {
        if (_rare?.Departed is not { } departed || ++departed.Ticks < _options.ProbeDepartedEvery)
            return;
        departed.Ticks = 0;
        long now = _context.Now;
        PeerHandle peer = departed.Next(now - _options.ForgetDepartedAfterMicros);
        if (peer.IsNone || _suspects.Contains(peer))
            return; // nobody to try, or declared dead so recently that its table entries would be refused anyway
        departed.Probes++;
        _context.Send(peer, new Message { Kind = MessageKind.LeafSetPing, Peers = LeafSetArray() });
    }

    /// <summary>
    /// An upper layer heard from a peer directly, in a message that proves it alive (a node that came back asking for
    /// its state): any doubt or death sentence is lifted and the peer is learned, so routing reaches it at once instead
    /// of after the next keep-alive.
    /// </summary>
    public void ReportAlive(PeerHandle peer)
    {
        if (peer.IsNone || peer == _context.Self)
            return;
        Heard(peer);
        Learn(peer);
    }

    /// <summary>Pings sent to peers this node had declared dead, to find the other side of a healed partition.</summary>
    public int DepartedProbes => _rare?.Departed?.Probes ?? 0;

    /// <summary>The last few peers declared dead, tried in turn; forgotten when heard from or when too old.</summary>
    private sealed class DepartedPeers
    {
        private const int Capacity = 8;
        private readonly PeerHandle[] _peers = new PeerHandle[Capacity];
        private readonly long[] _since = new long[Capacity];
        private int _count;
        private int _cursor;

        public int Ticks;

        public int Probes;

        public void Add(PeerHandle peer, long now)
        {
            Remove(peer);
            if (_count == Capacity)
            {
                // Full: the oldest goes (the array is kept in declaration order).
                Array.Copy(_peers, 1, _peers, 0, Capacity - 1);
                Array.Copy(_since, 1, _since, 0, Capacity - 1);
                _count--;
            }

            _peers[_count] = peer;
            _since[_count] = now;
            _count++;
        }

        public void Remove(PeerHandle peer)
        {
            int i = Array.IndexOf(_peers, peer, 0, _count);
            if (i < 0)
                return;
            Array.Copy(_peers, i + 1, _peers, i, _count - i - 1);
            Array.Copy(_since, i + 1, _since, i, _count - i - 1);
            _count--;
        }

        /// <summary>The next peer in turn declared dead after <paramref name="notBefore"/>; older ones are dropped.</summary>
        public PeerHandle Next(long notBefore)
        {
            while (_count > 0 && _since[0] < notBefore)
                Remove(_peers[0]);
            if (_count == 0)
                return PeerHandle.None;
            _cursor = (_cursor + 1) % _count;
            return _peers[_cursor];
        }
    }
}
