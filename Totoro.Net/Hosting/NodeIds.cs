using System.Net;
using System.Text;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Net.Hosting;

/// <summary>
/// Ids of real nodes: a hash of the host's endpoint and the logical node's index, so that a host restarted on the
/// same endpoint comes back with the same ids, and no two hosts (or logical nodes) collide. With zones the id
/// takes its zone's prefix (DESIGN §5).
/// </summary>
public static class NodeIds
{
    public static NodeId For(IPEndPoint endpoint, int index, ZoneMap? zones = null, int zone = 0)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        NodeId id = NodeId.Hash(Encoding.UTF8.GetBytes($"totoro-node|{endpoint}|{index}"));
        return zones is null ? id : zones.Compose(zone, id);
    }
}
