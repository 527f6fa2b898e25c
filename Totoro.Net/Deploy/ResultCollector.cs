using Renci.SshNet.Sftp;

namespace Totoro.Net.Deploy;

/// <summary>Downloads a host's node.log and everything under DIR/data (metrics.csv) into OUT/NAME/.</summary>
public static class ResultCollector
{
    public static IReadOnlyList<(string File, long Bytes)> Collect(HostSession session, string outDirectory)
    {
        ArgumentNullException.ThrowIfNull(session);
        string local = Path.Combine(outDirectory, session.Host.Name);
        Directory.CreateDirectory(local);
        string dir = session.Host.RemoteDir;
        var wanted = new List<(string Remote, string Local)> { (ShellQuote.Path(dir, "node.log"), "node.log") };
        string data = ShellQuote.Path(dir, "data");
        IEnumerable<ISftpFile> dataFiles = session.Sftp(sftp => sftp.Exists(data) ? sftp.ListDirectory(data).Where(f => f.IsRegularFile).ToList() : [], $"listing {data}");
        wanted.AddRange(dataFiles.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => (data + "/" + f.Name, f.Name)));
        var collected = new List<(string, long)>();
        foreach ((string remote, string name) in wanted)
        {
            if (!session.Sftp(sftp => sftp.Exists(remote), $"looking for {remote}"))
                continue;
            string target = Path.Combine(local, name);
            session.Sftp(sftp =>
            {
                using FileStream stream = File.Create(target);
                sftp.DownloadFile(remote, stream);
                return 0;
            }, $"downloading {remote}");
            collected.Add((target, new FileInfo(target).Length));
        }

        return collected;
    }
}
