using System.Globalization;
using System.Security.Cryptography;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Net.Hosting;

/// <summary>
/// Ids of real nodes: random, drawn on a node's first start and kept in the host's data directory (`node-ids`, one
/// hex id a line), so that a host restarted with the same `--data-dir` comes back as the same nodes wherever it
/// listens. Without a data directory the ids are fresh each start. With zones the id takes its zone's prefix (DESIGN §5).
/// </summary>
public static class NodeIds
{
    public const string FileName = "node-ids";

    public static NodeId[] Load(string? dataDir, int count, ZoneMap? zones = null, int zone = 0)
    {
        var ids = new List<NodeId>();
        string? path = dataDir is null ? null : Path.Combine(dataDir, FileName);
        if (path is not null && File.Exists(path))
        {
            int line = 0;
            foreach (string text in File.ReadAllLines(path))
            {
                line++;
                if (text.Length != 32 || !UInt128.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out UInt128 value))
                    throw new InvalidDataException($"{path}:{line}: not a node id of 32 hex digits ('{text}'); remove the file to draw new ids");
                ids.Add(new NodeId(value));
            }
        }

        bool drawn = false;
        while (ids.Count < count)
        {
            ids.Add(NodeId.FromBytes(RandomNumberGenerator.GetBytes(16)));
            drawn = true;
        }

        if (path is not null && drawn)
        {
            Directory.CreateDirectory(dataDir!);
            File.WriteAllLines(path + ".tmp", ids.Select(id => id.ToString()));
            File.Move(path + ".tmp", path, overwrite: true); // never a half-written identity
        }

        return [.. ids.Take(count).Select(id => zones is null ? id : zones.Compose(zone, id))];
    }

    /// <summary>A certified host's ids: derived from its certificate's key (DESIGN §10a), so they cannot be chosen.</summary>
    public static NodeId[] Derive(Security.Certificate certificate, int count, ZoneMap? zones = null, int zone = 0)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (count > certificate.LogicalNodes)
            throw new ArgumentException($"{count} logical nodes exceed the {certificate.LogicalNodes} of certificate '{certificate.Name}'");
        return [.. Enumerable.Range(0, count).Select(i => Security.NodeIdentity.Derive(certificate.PublicKey, i)).Select(id => zones is null ? id : zones.Compose(zone, id))];
    }
}
