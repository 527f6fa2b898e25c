namespace Totoro.Core.Rings;

/// <summary>
/// The zone rules a node routes by: how ids map to zones and which zones are isolated. A node of an isolated
/// zone refuses to forward a message whose key lies in another zone (a site firewall on the id prefix), and counts it.
/// </summary>
public sealed class ZonePolicy(ZoneMap map)
{
    private readonly HashSet<int> _isolated = [];

    public ZoneMap Map { get; } = map;

    /// <summary>Messages refused at an isolated zone's boundary (counted by every node sharing this policy).</summary>
    public long Refused { get; private set; }

    public void Isolate(int zone)
    {
        if ((uint)zone >= (uint)Map.Zones)
            throw new ArgumentOutOfRangeException(nameof(zone), zone, $"Zones run from 0 to {Map.Zones - 1}.");
        _isolated.Add(zone);
    }

    public bool IsIsolated(int zone) => _isolated.Count > 0 && _isolated.Contains(zone);

    internal void CountRefused() => Refused++;
}
