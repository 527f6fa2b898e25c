using System.Diagnostics;
using System.Globalization;

namespace Totoro.Cli.Tests;

/// <summary>The real-mode experiment kind (Fig. 13): real `totoro node` processes, measured, then all stopped.</summary>
public sealed class RealModeKindTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "totoro-realmode-" + Guid.NewGuid().ToString("N"));

    public RealModeKindTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void BothPhasesAreMeasuredPerNodeAndEveryHostProcessIsStoppedAfterwards()
    {
        string file = Path.Combine(_temp, "rm.yaml");
        File.WriteAllText(file, "name: rm\ntitle: rm\nkind: real-mode\nparameters:\n  hosts: 2\n  nodesPerHost: 3\n  settleSeconds: 1\n"
            + "  windowSeconds: 2\n  pingPeriodMs: 500\nsweep:\n  phase: [overlay, training]\n");
        string outDir = Path.Combine(_temp, "out");
        string mark = Guid.NewGuid().ToString("N");
        (int code, string stderr) = RunMarked(mark, "experiment", "run", file, "--out", outDir);
        Assert.True(code == 0, stderr);

        // The hosts inherit the mark through their environment: none may outlive the run.
        Assert.Empty(ProcessesMarked(mark));

        string[] lines = File.ReadAllLines(Path.Combine(outDir, "points.csv"));
        string[] header = lines[0].Split(',');
        Dictionary<string, string>[] rows = lines[1..].Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToArray();
        Assert.Equal(["overlay", "training"], rows.Select(r => r["Phase"]));
        double Num(Dictionary<string, string> row, string column) => double.Parse(row[column], CultureInfo.InvariantCulture);
        foreach (Dictionary<string, string> row in rows)
        {
            // Per node is the host's measurement over its 3 logical nodes.
            Assert.Equal(Num(row, "CpuPercentPerHost") / 3, Num(row, "CpuPercentPerNode"), 0.01);
            Assert.Equal(Num(row, "RssMiBPerHost") / 3, Num(row, "RssMiBPerNode"), 0.01);
            Assert.InRange(Num(row, "RssMiBPerHost"), 10, 2000); // a .NET process, not zero and not the whole machine
            Assert.True(Num(row, "CpuPercentPerHost") > 0, "a host that exchanges keep-alives uses some CPU");
            Assert.True(Num(row, "MessagesPerSecondPerNode") > 0, "keep-alives every 500 ms are messages");
        }

        Assert.Equal("0", rows[0]["RoundsInWindow"]);
        Assert.True(Num(rows[1], "RoundsInWindow") > 0, "the app trained during the window");
        Assert.True(Num(rows[1], "MessagesPerSecondPerNode") > Num(rows[0], "MessagesPerSecondPerNode"), "training adds tree traffic");
        Assert.True(File.Exists(Path.Combine(outDir, "cpu.png")) && File.Exists(Path.Combine(outDir, "memory.png")));
    }

    [Fact]
    public void AnUnknownPhaseIsAUsageErrorNamingTheKey()
    {
        string file = Path.Combine(_temp, "bad.yaml");
        File.WriteAllText(file, "name: bad\ntitle: bad\nkind: real-mode\nparameters:\n  phase: idle\n");
        (int code, string stdout, string stderr) = TotoroProcess.Run("experiment", "run", file, "--out", Path.Combine(_temp, "never"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains("'phase' must be overlay or training", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    private static (int ExitCode, string Stderr) RunMarked(string mark, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["TOTORO_TEST_MARK"] = mark;
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "totoro.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stderr.Result);
    }

    private static List<int> ProcessesMarked(string mark)
    {
        var found = new List<int>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
                continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "environ")).Contains("TOTORO_TEST_MARK=" + mark, StringComparison.Ordinal))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another user's process, or one that just exited
            }
        }

        return found;
    }
}
