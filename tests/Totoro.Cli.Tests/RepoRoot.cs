namespace Totoro.Cli.Tests;

internal static class RepoRoot
{
    /// <summary>The repository root above the test binaries (where Totoro.sln is).</summary>
    public static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Totoro.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root above the test binaries.");
    }
}
