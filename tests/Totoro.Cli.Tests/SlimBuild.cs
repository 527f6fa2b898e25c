namespace Totoro.Cli.Tests;

/// <summary>
/// The test's own build without TorchSharp's native libraries (half a gigabyte that no node deployed by a test loads:
/// they train logreg) or other platforms' assets. Deploy tests upload this, not the whole build: a full copy per
/// host filled the disk of a CI machine (ENOSPC while tar wrote libtorch_cpu.so to the third host).
/// </summary>
internal static class SlimBuild
{
    /// <summary>Copies the slim build into <paramref name="dir"/>/build and returns that folder.</summary>
    public static string CopyTo(string dir)
    {
        string from = AppContext.BaseDirectory, to = Path.Combine(dir, "build");
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file).Replace('\\', '/');
            if (IsLeftOut(relative))
                continue;
            string target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return to;
    }

    private static bool IsLeftOut(string relative)
    {
        string name = Path.GetFileName(relative);
        bool runtime = relative.StartsWith("runtimes/", StringComparison.Ordinal);
        bool torch = (name.Contains("torch", StringComparison.OrdinalIgnoreCase) && runtime)
            || name is "libc10.so" or "libshm.so" or "libaoti_custom_ops.so" or "libbackend_with_compiler.so" or "libjitbackend_test.so" or "libnnapi_backend.so"
            || name.StartsWith("libgomp", StringComparison.Ordinal);
        return torch || (runtime && !relative.StartsWith("runtimes/linux-x64/", StringComparison.Ordinal));
    }
}
