namespace Totoro.Core.Rings;

/// <summary>Where a route may go: anywhere on the ring, or only inside the zone of its key (an app confined to its site).</summary>
public enum RouteScope
{
    /// <summary>Deliver at the node numerically closest to the key over the whole ring.</summary>
    Global,

    /// <summary>Deliver at the node of the key's zone numerically closest to the key; every hop stays in that zone.</summary>
    ZoneLocal,
}
