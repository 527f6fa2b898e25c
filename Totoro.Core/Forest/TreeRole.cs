namespace Totoro.Core.Forest;

/// <summary>
/// Where one node stands in one app's tree: its membership state. Whether the path above it is whole is a separate
/// flag (detached), because a joining or attached node can be cut off from the root either way.
/// </summary>
/// <remarks>
/// Transitions: Outside → Joining (a JOIN sent); Joining → Attached (a parent's ack) or Root (no closer node);
/// Attached → Outside (the parent died or left; a re-join follows at once) or Root; Root → Outside when a closer node
/// holds the app (the root steps down or hands its state over, then joins under it).
/// </remarks>
public enum TreeRole : byte
{
    /// <summary>Knows the app (a forwarder learned it, or a replica came) but has no place in the tree.</summary>
    Outside,

    /// <summary>Has sent a JOIN and waits for a parent's ack.</summary>
    Joining,

    /// <summary>Has a parent.</summary>
    Attached,

    /// <summary>The live node closest to the app id, as far as it knows: the app's master runs here.</summary>
    Root,
}
