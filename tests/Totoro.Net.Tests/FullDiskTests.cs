using System.Diagnostics;
using Totoro.Net.Hosting;
using Totoro.Testing;

namespace Totoro.Net.Tests;

/// <summary>
/// A node on a full disk runs on: metrics.csv drops and counts the rows the disk refuses and stays a valid CSV, and a
/// log line the disk refuses is lost, not the handler that wrote it. (An IOException from metrics.csv once ended a
/// node's event loop: "Unhandled exception. System.IO.IOException: No space left on device".)
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("totoro-full-disk-").FullName;

    public void Dispose()
    {
        Unmount(Path.Combine(_dir, "small"));
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_metrics_file_on_dev_full_drops_and_counts_its_rows_without_throwing()
    {
        File.CreateSymbolicLink(Path.Combine(_dir, "metrics.csv"), "/dev/full"); // every write: ENOSPC

        using var metrics = new MetricsWriter(_dir);

        Assert.Equal(1, metrics.RowsDropped); // the header
        Assert.False(metrics.Write(Row(1.0)));
        Assert.False(metrics.Write(Row(2.0)));
        Assert.Equal(3, metrics.RowsDropped);
        Assert.Contains("No space left on device", metrics.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_line_its_writer_refuses_is_counted_not_thrown()
    {
        using var full = new StreamWriter(new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0));
        var log = new HostLog(LogLevel.Info, full);

        log.Info("a line for a full disk");
        log.Warn("and another");
        log.Debug("below the level: never written");

        Assert.Equal(2, log.LinesDropped);
    }

    /// <summary>
    /// On a real file system that fills up mid-row (a tmpfs of four pages, two taken): the part of the row that landed is
    /// cut away at once (a node that stops then leaves a file of whole rows), and once there is room again the next rows
    /// follow as whole lines.
    /// </summary>
    [SkippableFact]
    public void A_row_cut_off_by_a_full_disk_is_removed_and_rows_go_on_when_there_is_room()
    {
        Needs.Component(Environment.UserName == "root" ? null : "mounting a small tmpfs needs root (CI runs as root)");
        string small = Path.Combine(_dir, "small");
        Directory.CreateDirectory(small);
        Run("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", small);
        string filler = Path.Combine(small, "filler");
        File.WriteAllBytes(filler, new byte[8192]);

        using var metrics = new MetricsWriter(Path.Combine(small, "d"));
        int written = 0;
        for (int i = 0; i < 1000 && metrics.RowsDropped == 0; i++)
            written += metrics.Write(Row(i)) ? 1 : 0;
        Assert.True(metrics.RowsDropped == 1 && written > 10, $"the disk never filled ({written} rows written, {metrics.RowsDropped} dropped)");

        // Right after the refused row (a node that stops now leaves this file): only whole rows, the last one ended.
        string atFull = File.ReadAllText(metrics.Path);
        Assert.EndsWith("\n", atFull, StringComparison.Ordinal);
        Assert.Equal(1 + written, atFull.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        File.Delete(filler);
        Assert.True(metrics.Write(Row(5000)), metrics.LastError);
        Assert.True(metrics.Write(Row(5001)), metrics.LastError);

        string[] lines = File.ReadAllLines(metrics.Path);
        int fields = lines[0].Split(',').Length;
        Assert.All(lines, line => Assert.Equal(fields, line.Split(',').Length));
        string[] expected = [.. Enumerable.Range(0, written).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), "5000", "5001"];
        Assert.Equal(expected, lines.Skip(1).Select(line => line.Split(',')[0]));
    }

    private static MetricsRow Row(double seconds) => new(seconds, 4, 4, 10, 12, 3, 1_000, 1_200, 0, 2, 1.5, 50_000_000, 0.2, 1, 100, 120);

    private static void Run(string program, params string[] args)
    {
        using Process process = Process.Start(program, args);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {process.ExitCode}");
    }

    private static void Unmount(string path)
    {
        if (!Directory.Exists(path) || !File.ReadAllText("/proc/mounts").Contains($" {path} ", StringComparison.Ordinal))
            return;
        using Process process = Process.Start("umount", [path]);
        process.WaitForExit();
    }
}
