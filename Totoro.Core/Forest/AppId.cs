using System.Buffers.Binary;
using System.Text;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Where an app lives on the ring: hash(name, creator's public key, salt). The node numerically closest to it is
/// the app's root, its master. Distinct, uniform app ids spread roots (and tree paths) over the nodes.
/// </summary>
public static class AppId
{
    /// <summary>The well-known advertise–discover tree through which apps announce themselves.</summary>
    public static readonly NodeId AdvertiseDiscover = Create("totoro/advertise-discover", [], 0);

    /// <summary>The id of an app confined to a zone: the zone's prefix on the app's hash, so its root lies in the zone.</summary>
    public static NodeId InZone(NodeId app, ZoneMap zones, int zone) => zones.Compose(zone, app);

    public static NodeId Create(string name, ReadOnlySpan<byte> creatorPublicKey, ulong salt)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[4 + nameBytes.Length + creatorPublicKey.Length + 8];
        BinaryPrimitives.WriteInt32BigEndian(input, nameBytes.Length); // length-prefixed: ("ab","c") ≠ ("a","bc")
        nameBytes.CopyTo(input, 4);
        creatorPublicKey.CopyTo(input.AsSpan(4 + nameBytes.Length));
        BinaryPrimitives.WriteUInt64BigEndian(input.AsSpan(input.Length - 8), salt);
        return NodeId.Hash(input);
    }
}
