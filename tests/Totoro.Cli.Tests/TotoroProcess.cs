using System.Diagnostics;

namespace Totoro.Cli.Tests;

/// <summary>Runs the built `totoro` command as a child process, the way a user runs it.</summary>
internal static class TotoroProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => RunIn(null, args);

    /// <summary>As <see cref="Run"/>, from <paramref name="workingDirectory"/> (null: the test's own).</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunIn(string? workingDirectory, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "totoro.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
            start.WorkingDirectory = workingDirectory;
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}
