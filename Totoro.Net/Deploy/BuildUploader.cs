using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;

namespace Totoro.Net.Deploy;

/// <summary>
/// Copies a build into DIR/app on a host, skipping files whose size and SHA-256 already match there (so a re-deploy
/// sends only what changed). The files that must go travel as one tar stream over an SSH channel into a staging
/// directory beside app/ (one round trip per host instead of several per file), and each is then renamed into place,
/// so a node still running the old build never sees half a file.
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
        List<BuildFile> changed = [.. build.Files.Where(f => !(remote.TryGetValue(f.RelativePath, out var there) && there.Size == f.Size && there.Hash == f.Sha256))];
        if (changed.Count > 0)
        {
            // Unpack into app.incoming (same file system), then rename file by file: each rename is atomic.
            string command = $"set -e; mkdir -p {ShellQuote.Quote(app)}; A=$(cd {ShellQuote.Quote(app)} && pwd); S=\"$A.incoming\"; rm -rf \"$S\"; mkdir -p \"$S\"; "
                + "tar -x -p --no-same-owner -f - -C \"$S\"; cd \"$S\"; "
                + "find . -type d -exec sh -c 'for d; do mkdir -p \"$0/$d\"; done' \"$A\" {} +; "
                + "find . -type f -exec sh -c 'for f; do mv -f \"$f\" \"$0/$f\"; done' \"$A\" {} +; "
                + "cd \"$A\"; rm -rf \"$S\"";
            session.RunCheckedWithInput(command, input => WriteTar(input, build, changed), "uploading the build (a tar stream; needs tar on the host)");
        }

        return new UploadResult(build.Files.Count, changed.Count, build.Bytes, changed.Sum(f => f.Size), stopwatch.Elapsed);
    }

    private static void WriteTar(Stream output, LocalBuild build, IReadOnlyList<BuildFile> files)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (BuildFile file in files)
        {
            using FileStream data = File.OpenRead(Path.Combine(build.Directory, file.RelativePath));
            var entry = new PaxTarEntry(TarEntryType.RegularFile, file.RelativePath)
            {
                DataStream = data,
                Mode = file.Executable
                    ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            };
            tar.WriteEntry(entry);
        }
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
