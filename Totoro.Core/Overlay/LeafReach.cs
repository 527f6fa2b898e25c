namespace Totoro.Core.Overlay;

/// <summary>
/// How far a leaf set reaches on each side: the distance to its farthest clockwise and counter-clockwise members, or
/// <see cref="Short"/> when a side has room (then any node is admitted).
/// </summary>
internal readonly record struct LeafReach(bool Short, UInt128 Right, UInt128 Left);
