using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Totoro.Core.Runtime;

namespace Totoro.Net.Transport;

/// <summary>
/// A host's peer directory in real mode: each peer it has heard of gets a handle; on the wire a peer is its id and
/// its UDP endpoint (IPv4: 4 + 2 bytes, IPv6: 16 + 2 bytes). One directory per host, shared by its logical nodes.
/// </summary>
public sealed class EndpointDirectory : IPeerDirectory
{
    private readonly List<(NodeId Id, IPEndPoint Endpoint)> _peers = [];
    private readonly Dictionary<(NodeId, IPEndPoint), PeerHandle> _index = [];

    public int Count => _peers.Count;

    public PeerHandle Add(NodeId id, IPEndPoint endpoint)
    {
        if (_index.TryGetValue((id, endpoint), out PeerHandle existing))
            return existing;
        var handle = new PeerHandle(_peers.Count);
        _peers.Add((id, endpoint));
        _index.Add((id, endpoint), handle);
        return handle;
    }

    /// <summary>Every distinct endpoint (host) this directory has heard of.</summary>
    public IEnumerable<IPEndPoint> Endpoints => _peers.Select(p => p.Endpoint).Distinct();

    public NodeId IdOf(PeerHandle peer) => _peers[peer.Index].Id;

    public IPEndPoint EndpointOf(PeerHandle peer) => _peers[peer.Index].Endpoint;

    public int WriteAddress(PeerHandle peer, Span<byte> destination)
    {
        IPEndPoint endpoint = _peers[peer.Index].Endpoint;
        if (!endpoint.Address.TryWriteBytes(destination, out int written))
            throw new InvalidOperationException($"Address {endpoint.Address} does not fit the wire format.");
        BinaryPrimitives.WriteUInt16BigEndian(destination[written..], (ushort)endpoint.Port);
        return written + 2;
    }

    public bool TryResolve(NodeId id, ReadOnlySpan<byte> address, out PeerHandle peer, out string? reason)
    {
        peer = PeerHandle.None;
        if (address.Length is not (6 or 18))
        {
            reason = $"an endpoint is 6 (IPv4) or 18 (IPv6) bytes, not {address.Length}";
            return false;
        }

        var ip = new IPAddress(address[..^2]);
        int port = BinaryPrimitives.ReadUInt16BigEndian(address[^2..]);
        if (port == 0)
        {
            reason = "port 0 is not a reachable endpoint";
            return false;
        }

        if (ip.AddressFamily == AddressFamily.InterNetwork && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.Broadcast)))
        {
            reason = $"{ip} is not a unicast address";
            return false;
        }

        peer = Add(id, new IPEndPoint(ip, port));
        reason = null;
        return true;
    }
}
