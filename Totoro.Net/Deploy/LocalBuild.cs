using System.Security.Cryptography;

namespace Totoro.Net.Deploy;

/// <summary>
/// A build directory to ship: every file with its size, SHA-256 and mode, hashed once and shared by all hosts.
/// Self-contained builds (with the runtime, libcoreclr.so) start their own `totoro`; others run under `dotnet`.
/// Hosts are linux-x64: native assets for other platforms (runtimes/win-x64/ …, 95% of a portable build) stay home.
/// </summary>
public sealed class LocalBuild
{
    private LocalBuild(string directory, IReadOnlyList<BuildFile> files)
    {
        Directory = directory;
        Files = files;
    }

    public string Directory { get; }

    public IReadOnlyList<BuildFile> Files { get; }

    public long Bytes => Files.Sum(f => f.Size);

    public bool SelfContained => Files.Any(f => f.RelativePath == "libcoreclr.so");

    public static LocalBuild Scan(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DeployConfigException($"--build '{directory}' does not exist: give a `dotnet publish` output of Totoro.Cli, or leave --build out to publish one");
        string full = Path.GetFullPath(directory);
        if (!File.Exists(Path.Combine(full, "totoro.dll")))
            throw new DeployConfigException($"--build '{directory}' holds no totoro.dll: give the output of `dotnet publish Totoro.Cli -c Release -r linux-x64 --self-contained -o DIR`");
        var files = new List<BuildFile>();
        foreach (string path in System.IO.Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(full, path).Replace('\\', '/');
            if (!ForLinuxX64(relative))
                continue;
            using FileStream stream = File.OpenRead(path);
            string hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            bool executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;
            files.Add(new BuildFile(relative, stream.Length, hash, executable));
        }

        return new LocalBuild(full, files);
    }

    /// <summary>Files under runtimes/RID/ load only on that RID; linux-x64 hosts probe linux-x64, linux, unix and any.</summary>
    private static bool ForLinuxX64(string relative)
    {
        if (!relative.StartsWith("runtimes/", StringComparison.Ordinal))
            return true;
        string[] parts = relative.Split('/');
        return parts.Length < 3 || parts[1] is "linux-x64" or "linux" or "unix" or "any";
    }
}

/// <summary>One file of a build: path relative to the build directory, size, SHA-256 (hex), executable bit.</summary>
public sealed record BuildFile(string RelativePath, long Size, string Sha256, bool Executable);
