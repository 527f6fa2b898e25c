namespace Totoro.Core.Runtime;

/// <summary>
/// Maps peer handles to what identifies them on the wire (their id and a transport address), and back.
/// The codec uses it to turn handles into bytes and bytes into handles.
/// </summary>
public interface IPeerDirectory
{
    /// <summary>The id of the peer behind a handle.</summary>
    NodeId IdOf(PeerHandle peer);

    /// <summary>Writes the peer's transport address; returns the number of bytes written (at most <see cref="MaxAddressBytes"/>).</summary>
    int WriteAddress(PeerHandle peer, Span<byte> destination);

    /// <summary>
    /// Finds or registers the peer with this id and address. Returns false (and a reason) when the address
    /// is not one this directory understands.
    /// </summary>
    bool TryResolve(NodeId id, ReadOnlySpan<byte> address, out PeerHandle peer, out string? reason);

    /// <summary>Longest address this directory writes; also the codec's bound when reading.</summary>
    public const int MaxAddressBytes = 18;
}
