using System.Diagnostics;
using System.Globalization;

namespace Totoro.Net.Deploy;

/// <summary>
/// Copies a build into DIR/app on a host over SFTP, skipping files whose size and SHA-256 already match there (so a
/// re-deploy sends only what changed). Each file goes to a temporary name and is renamed into place, so a node
/// still running the old build never sees half a file.
/// </summary>
public static class BuildUploader
{
    public static UploadResult Upload(HostSession session, LocalBuild build)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(build);
        var stopwatch = Stopwatch.StartNew();
        string app = ShellQuote.Path(session.Host.RemoteDir, "app");
        Dictionary<string, (long Size, string Hash)> remote = RemoteFiles(session, app);
        var directories = new HashSet<string>(StringComparer.Ordinal);
        int sent = 0;
        long sentBytes = 0;
        foreach (BuildFile file in build.Files)
        {
            if (remote.TryGetValue(file.RelativePath, out var there) && there.Size == file.Size && there.Hash == file.Sha256)
                continue;
            string target = app + "/" + file.RelativePath;
            string parent = target[..target.LastIndexOf('/')];
            if (directories.Add(parent))
                session.RunChecked($"mkdir -p {ShellQuote.Quote(parent)}", $"creating {parent}");
            string temporary = target + ".upload";
            session.Sftp(sftp =>
            {
                using (FileStream stream = File.OpenRead(Path.Combine(build.Directory, file.RelativePath)))
                    sftp.UploadFile(stream, temporary, canOverride: true);
                sftp.ChangePermissions(temporary, file.Executable ? (short)755 : (short)644); // SSH.NET reads the digits as octal
                sftp.RenameFile(temporary, target, isPosix: true);
                return 0;
            }, $"uploading {file.RelativePath}");
            sent++;
            sentBytes += file.Size;
        }

        return new UploadResult(build.Files.Count, sent, build.Bytes, sentBytes, stopwatch.Elapsed);
    }

    /// <summary>Size and SHA-256 of every file already under DIR/app (none when it does not exist yet).</summary>
    private static Dictionary<string, (long Size, string Hash)> RemoteFiles(HostSession session, string app)
    {
        string quoted = ShellQuote.Quote(app);
        string listing = session.RunChecked(
            $"if [ -d {quoted} ]; then cd {quoted} && find . -type f -printf 'S %s %P\\n' && find . -type f -exec sha256sum {{}} +; fi",
            "listing the remote build (needs find and sha256sum)");
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var files = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        foreach (string line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("S ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', 3);
                if (parts.Length == 3 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size))
                    sizes[parts[2]] = size;
            }
            else if (line.Length > 66 && line[64] == ' ')
            {
                // sha256sum prints "HASH  ./path" (or "HASH *./path" in binary mode).
                string path = line[66..];
                if (path.StartsWith("./", StringComparison.Ordinal))
                    path = path[2..];
                if (sizes.TryGetValue(path, out long size))
                    files[path] = (size, line[..64]);
            }
        }

        return files;
    }
}
