using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// Zone-aware routing (multi-ring, DESIGN §5), kept apart from the core protocol. Ids are zone-prefixed, so ordinary
/// prefix routing already resolves the zone first (inter-zone level), then the suffix (intra-zone level).
/// A zone-local route is restricted to nodes of the key's zone: it ends at the zone's node closest to the key.
/// </summary>
public sealed partial class PastryNode
{
    /// <summary>The zone rules, or null for the plain flat ring (then routing is exactly the unzoned code).</summary>
    public ZonePolicy? Zones { get; set; }

    /// <summary>The zone of this node (0 without zones).</summary>
    public int Zone => Zones?.Map.ZoneOf(Id) ?? 0;

    /// <summary>Starts a lookup with the given scope. A zone-local key must lie in this node's zone.</summary>
    public void Lookup(NodeId key, RouteScope scope)
    {
        if (scope == RouteScope.Global || Zones is null || Zones.Map.PrefixBits == 0)
        {
            Lookup(key);
            return;
        }

        if (Zones.Map.ZoneOf(key) != Zone)
            throw new ArgumentException($"A zone-local key must be in this node's zone {Zone}.", nameof(key));
        var message = new Message { Kind = MessageKind.Lookup, Flags = MessageFlags.ZoneLocal, Key = key, Origin = _context.Self, Stamp = _context.Now };
        Route(message);
    }

    /// <summary>
    /// The next hop for a route of the given scope. A zone-local route must start inside the key's zone and keeps
    /// to it (a peer to avoid is honoured only for global routes).
    /// </summary>
    public PeerHandle NextHop(NodeId key, PeerHandle avoid, RouteScope scope)
    {
        if (scope == RouteScope.Global || Zones is null || Zones.Map.PrefixBits == 0)
            return NextHop(key, avoid);
        int zone = Zones.Map.ZoneOf(key);
        if (zone != Zone)
            throw new InvalidOperationException($"A zone-local route to a key of zone {zone} cannot start in zone {Zone}.");
        return NextHopInZone(key, zone, Zones.Map);
    }

    private PeerHandle ZonedNextHop(in Message message)
    {
        ZoneMap map = Zones!.Map;
        if ((message.Flags & MessageFlags.ZoneLocal) == 0 || map.PrefixBits == 0)
            return NextHop(message.Key);
        int zone = map.ZoneOf(message.Key);
        return zone == map.ZoneOf(Id) ? NextHopInZone(message.Key, zone, map) : PeerHandle.None;
    }

    /// <summary>
    /// Pastry's next hop with every candidate restricted to <paramref name="zone"/> (this node's zone).
    /// Within a zone ids lie in one arc of the ring, so "clockwise" is "larger". A leaf-set side that reaches a node
    /// outside the zone (or is short) has seen the zone's edge: every zone member between here and that edge is known.
    /// </summary>
    private PeerHandle NextHopInZone(NodeId key, int zone, ZoneMap map)
    {
        PeerHandle best = PeerHandle.None;
        NodeId bestId = Id;
        bool rightClosed = _leaf.RightCount < _options.LeafHalf;
        bool leftClosed = _leaf.LeftCount < _options.LeafHalf;
        UInt128 rightReach = Id.Value, leftReach = Id.Value;
        for (int i = 0; i < _leaf.RightCount; i++)
        {
            NodeId id = _context.IdOf(_leaf.Right(i));
            if (map.ZoneOf(id) != zone || id.Value < Id.Value)
            {
                rightClosed = true;
                break;
            }

            rightReach = id.Value;
        }

        for (int i = 0; i < _leaf.LeftCount; i++)
        {
            NodeId id = _context.IdOf(_leaf.Left(i));
            if (map.ZoneOf(id) != zone || id.Value > Id.Value)
            {
                leftClosed = true;
                break;
            }

            leftReach = id.Value;
        }

        bool covered = key.Value >= Id.Value ? rightClosed || key.Value <= rightReach : leftClosed || key.Value >= leftReach;
        if (covered)
        {
            for (int i = 0; i < _leaf.RightCount; i++)
                ConsiderInZone(_leaf.Right(i), key, zone, map, ref best, ref bestId, minRow: 0);
            for (int i = 0; i < _leaf.LeftCount; i++)
                ConsiderInZone(_leaf.Left(i), key, zone, map, ref best, ref bestId, minRow: 0);
            return best;
        }

        int b = _options.B;
        int row = Id.SharedPrefixDigits(key, b);
        if (row >= NodeId.DigitCount(b))
            return PeerHandle.None;
        // The entry shares row + 1 digits with the key, at least the m-bit zone prefix; checked all the same.
        PeerHandle entry = _routing.Get(row, key.Digit(row, b), _options.Columns);
        if (!entry.IsNone && map.ZoneOf(_context.IdOf(entry)) == zone)
            return entry;

        // Rare case: any zone member sharing as long a prefix and closer. The farthest leaf towards the key always
        // qualifies (it lies between us and the key, so it shares our common prefix), so routing never stalls.
        for (int i = 0; i < _leaf.RightCount; i++)
            ConsiderInZone(_leaf.Right(i), key, zone, map, ref best, ref bestId, row);
        for (int i = 0; i < _leaf.LeftCount; i++)
            ConsiderInZone(_leaf.Left(i), key, zone, map, ref best, ref bestId, row);
        int columns = _options.Columns;
        for (int r = row; r < _routing.Rows(columns); r++)
        {
            for (int c = 0; c < columns; c++)
                ConsiderInZone(_routing.Get(r, c, columns), key, zone, map, ref best, ref bestId, row);
        }

        foreach (PeerHandle neighbour in Neighbours)
            ConsiderInZone(neighbour, key, zone, map, ref best, ref bestId, row);
        return best;
    }

    private void ConsiderInZone(PeerHandle candidate, NodeId key, int zone, ZoneMap map, ref PeerHandle best, ref NodeId bestId, int minRow)
    {
        if (candidate.IsNone)
            return;
        NodeId id = _context.IdOf(candidate);
        if (map.ZoneOf(id) == zone && id.SharedPrefixDigits(key, _options.B) >= minRow && key.IsCloser(id, bestId))
        {
            best = candidate;
            bestId = id;
        }
    }

    /// <summary>A node of an isolated zone does not forward a message whose key is in another zone; it counts it.</summary>
    private bool RefusedAtBoundary(in Message message)
    {
        ZonePolicy zones = Zones!;
        int zone = zones.Map.ZoneOf(Id);
        if (!zones.IsIsolated(zone) || zones.Map.ZoneOf(message.Key) == zone)
            return false;
        zones.CountRefused();
        return true;
    }
}
