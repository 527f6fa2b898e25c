using System.Buffers.Binary;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests;

/// <summary>A peer directory for codec tests: addresses are 6 bytes (an IPv4 address and a port), like real mode.</summary>
internal sealed class TestDirectory : IPeerDirectory
{
    private readonly List<(NodeId Id, ulong Address)> _peers = [];

    public PeerHandle Add(NodeId id, ulong address)
    {
        _peers.Add((id, address));
        return new PeerHandle(_peers.Count - 1);
    }

    public NodeId IdOf(PeerHandle peer) => _peers[peer.Index].Id;

    public int WriteAddress(PeerHandle peer, Span<byte> destination)
    {
        ulong a = _peers[peer.Index].Address;
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(a >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)a);
        return 6;
    }

    public bool TryResolve(NodeId id, ReadOnlySpan<byte> address, out PeerHandle peer, out string? reason)
    {
        peer = PeerHandle.None;
        if (address.Length != 6)
        {
            reason = $"an address is 6 bytes, not {address.Length}";
            return false;
        }

        ulong a = ((ulong)BinaryPrimitives.ReadUInt32BigEndian(address) << 16) | BinaryPrimitives.ReadUInt16BigEndian(address[4..]);
        int at = _peers.FindIndex(p => p.Id == id && p.Address == a);
        peer = at >= 0 ? new PeerHandle(at) : Add(id, a);
        reason = null;
        return true;
    }
}
