namespace Totoro.Core.Runtime;

/// <summary>
/// A compact reference to another node: an index into a peer directory, not an object.
/// In the simulator one directory serves every node; in real mode each host keeps its own.
/// Four bytes per reference is what lets routing tables of a million nodes fit in memory.
/// </summary>
/// <remarks>Stored as index + 1 so that <c>default(PeerHandle)</c>, and every fresh array slot, means "no peer".</remarks>
public readonly struct PeerHandle : IEquatable<PeerHandle>
{
    private readonly int _slot;

    public PeerHandle(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        _slot = index + 1;
    }

    public static PeerHandle None => default;

    public int Index => _slot - 1;

    public bool IsNone => _slot == 0;

    public bool Equals(PeerHandle other) => _slot == other._slot;

    public override bool Equals(object? obj) => obj is PeerHandle other && Equals(other);

    public override int GetHashCode() => _slot;

    public static bool operator ==(PeerHandle left, PeerHandle right) => left._slot == right._slot;

    public static bool operator !=(PeerHandle left, PeerHandle right) => left._slot != right._slot;

    public override string ToString() => IsNone ? "none" : $"#{Index}";
}
