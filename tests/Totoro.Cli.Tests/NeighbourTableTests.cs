using System.Diagnostics;
using System.Globalization;
using System.Text;
using Totoro.Cli.Soak;
using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>
/// The kernel's neighbour table, one for all namespaces, must hold the full mesh of a bridge's hosts. At its default
/// limit (1024) the 50-host deploy lost its namespaces' sshds mid-run ("neighbor table overflow" in dmesg, TCP to them
/// timing out; results/deploy/README.md).
/// </summary>
[Collection(NamespaceCollection.Name)]
public class NeighbourTableTests(ITestOutputHelper output)
{
    [Fact]
    public void A_full_mesh_counts_every_namespaces_peers_and_bridge_and_the_roots_hosts()
    {
        for (int hosts = 1; hosts <= 60; hosts++)
        {
            // Brute force: (where the entry is, whom it resolves), the bridge's address standing for a namespace itself.
            var entries = new HashSet<(int At, int Whom)>();
            for (int i = 0; i < hosts; i++)
            {
                entries.Add((-1, i));
                for (int j = 0; j < hosts; j++)
                    entries.Add((i, j == i ? -1 : j));
            }

            Assert.Equal(entries.Count, NeighbourTable.EntriesFor(hosts));
        }
    }

    [SkippableFact]
    public void A_bridge_of_40_hosts_leaves_the_kernel_room_for_their_full_mesh_of_neighbours()
    {
        Needs.Component(NetnsBridge.Unavailable());
        const int hosts = 40; // 1640 entries in a full mesh, past the kernel's default 1024
        using var bridge = new NetnsBridge();
        bridge.Create(hosts, delayMs: 0, lossPercent: 0);
        output.WriteLine(bridge.NeighbourChange ?? $"the kernel's limit already fits: gc_thresh3 {NeighbourTable.Read(NeighbourTable.HardPath)}");

        // The table is shared, so the mesh's entries may sit on one device: a scratch bridge in the root namespace, all
        // added by one `ip -batch` within a second (the kernel's forced collection spares entries younger than 5 s, as
        // a running mesh's are).
        string device = string.Create(CultureInfo.InvariantCulture, $"tnt{Environment.ProcessId % 100000}");
        Ip(null, "link", "add", device, "type", "bridge");
        try
        {
            Ip(null, "link", "set", device, "up");
            var batch = new StringBuilder();
            int count = NeighbourTable.EntriesFor(hosts);
            for (int k = 0; k < count; k++)
                batch.AppendLine(CultureInfo.InvariantCulture, $"neigh add 10.233.{k / 250}.{(k % 250) + 1} lladdr 02:00:00:00:{k / 256:x2}:{k % 256:x2} dev {device} nud reachable");
            (int code, string error, _) = Ip(batch.ToString(), "-force", "-batch", "-");
            // What the kernel holds (ip stops at the first refusal, "No buffer space available", even with -force).
            int held = Ip(null, "neigh", "show", "dev", device).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.True(code == 0 && held == count, $"the kernel holds {held} of the mesh's {count} neighbour entries (ip exit {code}: {error.Trim()})");
        }
        finally
        {
            Ip(null, "link", "del", device); // takes its entries with it
        }
    }

    private static (int Code, string Error, string Output) Ip(string? input, params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        process.StandardInput.Write(input ?? "");
        process.StandardInput.Close();
        process.WaitForExit();
        return (process.ExitCode, error.Result, stdout.Result);
    }
}
