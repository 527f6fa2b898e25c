using System.Diagnostics;

namespace Totoro.Net.Deploy;

/// <summary>
/// The default build: `dotnet publish` of Totoro.Cli, self-contained for linux-x64, into a temporary directory (so the
/// hosts need no .NET). The project is found from the working directory or from where this totoro runs.
/// </summary>
public static class BuildPublisher
{
    public static string FindProject()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "Totoro.Cli", "Totoro.Cli.csproj");
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        throw new DeployConfigException("no --build given and Totoro.Cli/Totoro.Cli.csproj is not found from here: run from the repository or pass --build DIR (a `dotnet publish` output)");
    }

    /// <summary>Publishes into <paramref name="output"/>; a failed publish names its last error line.</summary>
    public static void Publish(string project, string output, Action<string> progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", output, "-nologo", "-v", "quiet" })
            start.ArgumentList.Add(arg);
        progress($"publishing {project} (self-contained, linux-x64) into {output}");
        using Process process = Process.Start(start) ?? throw new DeployConfigException("cannot run `dotnet`: install the .NET SDK or pass --build DIR");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            string error = (stdout + "\n" + stderr.Result).Split('\n').LastOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))?.Trim() ?? $"exit {process.ExitCode}";
            throw new IOException($"dotnet publish failed: {error}: fix the build or pass --build DIR");
        }
    }
}
