using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Net.Hosting;

/// <summary>
/// One logical node's app state on disk: DATA/state/nK/APPID.replica, each the newest replica message of an app the
/// node is root of or holds a replica for, encoded as on the wire. Written atomically (a temporary file renamed over
/// the old one), so a crash mid-write leaves the previous state, never half of one.
/// </summary>
internal sealed class ReplicaFiles(string directory, IPeerDirectory peers, HostLog log) : IReplicaStore
{
    private const string Extension = ".replica";

    public string Directory { get; } = directory;

    public void Save(in Message replica)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            string path = Path.Combine(Directory, replica.Key + Extension);
            File.WriteAllBytes(path + ".tmp", MessageCodec.Encode(replica, peers));
            File.Move(path + ".tmp", path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.Warn($"could not keep app {replica.Key}'s state in {Directory}: {ex.Message}");
        }
    }

    /// <summary>Every replica kept here; a file that does not decode is named in the log and skipped.</summary>
    public List<Message> Load()
    {
        var replicas = new List<Message>();
        if (!System.IO.Directory.Exists(Directory))
            return replicas;
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*" + Extension).Order(StringComparer.Ordinal))
        {
            if (MessageCodec.TryDecode(File.ReadAllBytes(path), peers, out Message replica, out string? error) && replica.Kind == TreeKind.Replica)
                replicas.Add(replica);
            else
                log.Warn($"{path}: not an app state this version can read ({error ?? "not a replica"}); skipped");
        }

        return replicas;
    }
}
