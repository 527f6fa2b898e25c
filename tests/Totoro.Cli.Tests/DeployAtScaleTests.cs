using System.Diagnostics;
using System.Globalization;
using System.Text;
using Totoro.Cli.Soak;
using Totoro.Net.Deploy;
using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>
/// `totoro deploy up` to many hosts, each a network namespace with its own sshd: every host up, known_hosts filled by
/// trust-on-first-use with exactly each sshd's key, an unreachable entry named without stopping the rest, and after
/// `down` no totoro process in any namespace. CI runs 10 hosts; scripts/deploy-at-scale.sh runs 50
/// (TOTORO_DEPLOY_HOSTS) and writes the measurement (TOTORO_DEPLOY_RESULTS).
/// </summary>
[Collection(NamespaceCollection.Name)]
public class DeployAtScaleTests(ITestOutputHelper output)
{
    [SkippableFact]
    [Trait("Category", "DeployScale")]
    public void Deploy_up_to_namespace_hosts_each_with_its_own_sshd_then_down_leaves_no_process()
    {
        Needs.Component(NetnsBridge.Unavailable() ?? SshServer.Unavailable());

        int hostCount = int.TryParse(Environment.GetEnvironmentVariable("TOTORO_DEPLOY_HOSTS"), CultureInfo.InvariantCulture, out int n) ? n : 10;
        int parallel = int.TryParse(Environment.GetEnvironmentVariable("TOTORO_DEPLOY_PARALLEL"), CultureInfo.InvariantCulture, out int p) ? p : UpOptions.DefaultParallelism;
        string? resultsDir = Environment.GetEnvironmentVariable("TOTORO_DEPLOY_RESULTS");
        string dir = Directory.CreateTempSubdirectory("totoro-deploy-scale-").FullName;
        using var bridge = new NetnsBridge();
        var servers = new List<SshServer>();
        try
        {
            bridge.Create(hostCount, delayMs: 0, lossPercent: 0);
            output.WriteLine(bridge.NeighbourChange ?? string.Create(CultureInfo.InvariantCulture,
                $"kernel neighbour table: gc_thresh3 {NeighbourTable.Read(NeighbourTable.HardPath)} already fits {hostCount} hosts ({NeighbourTable.EntriesFor(hostCount)} entries)"));
            string userKey = Path.Combine(dir, "user_key");
            SshServer.Keygen(userKey);
            for (int i = 0; i < hostCount; i++)
                servers.Add(SshServer.Start(bridge.Namespaces[i], bridge.AddressOf(i), userKey));
            string build = SlimBuild.CopyTo(dir);
            LocalBuild local = LocalBuild.Scan(build);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"build: {local.Files.Count} files, {local.Bytes / 1e6:F1} MB (the test's own, without libtorch)"));

            // A small round first (fresh dirs), then all hosts: two points give the fixed and the per-host cost.
            var rounds = new List<Round>();
            // TOTORO_DEPLOY_ROUNDS ("50", "10,50") picks the rounds, e.g. to run the large one alone.
            string? only = Environment.GetEnvironmentVariable("TOTORO_DEPLOY_ROUNDS");
            int[] counts = only is { Length: > 0 }
                ? [.. only.Split(',').Select(c => Math.Min(hostCount, int.Parse(c, CultureInfo.InvariantCulture)))]
                : hostCount > 10 ? [10, hostCount] : [hostCount];
            foreach (int count in counts)
                rounds.Add(DeployRound(dir, rounds.Count, count, parallel, servers, bridge, userKey, build, local));
            if (resultsDir is not null)
                WriteResults(resultsDir, rounds, local, parallel);
        }
        finally
        {
            foreach (SshServer server in servers)
                server.Dispose();
            foreach (string ns in bridge.Namespaces)
                KillTotoro(ns);
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // a node still writing: the temp dir stays behind
            }
        }
    }

    private Round DeployRound(string dir, int round, int count, int parallel, List<SshServer> servers, NetnsBridge bridge, string userKey, string build, LocalBuild local)
    {
        // One line per namespace host, plus an entry whose SSH port nobody listens on: it must be named, not stop the rest.
        string hosts = Path.Combine(dir, $"hosts{round}.txt");
        var lines = new StringBuilder();
        for (int i = 0; i < count; i++)
            lines.AppendLine(CultureInfo.InvariantCulture, $"{bridge.AddressOf(i)} dir={dir}/r{round}/h{i} port=7100 name=ns{i}");
        lines.AppendLine(CultureInfo.InvariantCulture, $"{bridge.AddressOf(0)}:2222 dir={dir}/r{round}/nobody port=7101 name=nobody");
        File.WriteAllText(hosts, lines.ToString());
        string state = Path.Combine(dir, $"deploy{round}.json"), knownHosts = Path.Combine(dir, $"known_hosts{round}");
        string load = LoadAverage();
        var wall = Stopwatch.StartNew();
        var up = TotoroProcess.Run("deploy", "up", "--hosts", hosts, "--key", userKey, "--build", build, "--state", state,
            "--dotnet", DeployTests.DotnetPath(), "--nodes-per-host", "2", "--node-args", "--ping-period-ms 1000", "--join-timeout", "120",
            "--parallel", parallel.ToString(CultureInfo.InvariantCulture), "--known-hosts", knownHosts, "--trust-new-hosts", "--ssh-timeout", "30");
        double upSeconds = wall.Elapsed.TotalSeconds;
        string loadAfter = LoadAverage();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: {count} hosts up in {upSeconds:F1} s (exit {up.ExitCode})"));
        output.WriteLine(up.Stdout);
        Assert.True(File.Exists(state), $"up (exit {up.ExitCode}) wrote no state file:\n{up.Stdout}\n{up.Stderr}");
        DeployState deployed = DeployState.Load(state);
        try
        {
            Assert.True(up.ExitCode == 1, $"the unreachable entry must make exit code 1:\n{up.Stdout}\n{up.Stderr}");
            Assert.Contains($"{count}/{count + 1} hosts up", up.Stdout);
            Assert.Contains("error: host nobody (", up.Stderr);
            Assert.Contains("cannot connect", up.Stderr);
            Assert.Equal(count, up.Stderr.Split('\n').Count(l => l.Contains(": uploaded: sent ", StringComparison.Ordinal))); // plain lines: stderr is not a terminal

            // Trust on first use recorded exactly each sshd's own key, once, in ssh's form.
            string[] expected = [.. Enumerable.Range(0, count).Select(i => $"{bridge.AddressOf(i)} {string.Join(' ', servers[i].HostPublicKey.Split(' ')[..2])}")];
            Assert.Equal(expected.Order(StringComparer.Ordinal), File.ReadAllLines(knownHosts).Order(StringComparer.Ordinal));

            // Every host's node runs in its own namespace; the first and last hosts got the build byte for byte.
            for (int i = 0; i < count; i++)
                Assert.Contains(deployed.Hosts[i].Pid, TotoroPids(bridge.Namespaces[i]));
            foreach (int i in new[] { 0, count - 1 })
            {
                foreach (BuildFile file in local.Files)
                    Assert.Equal(file.Sha256, Sha256(Path.Combine(dir, $"r{round}", $"h{i}", "app", file.RelativePath)));
            }
        }
        finally
        {
            wall.Restart();
            var down = TotoroProcess.Run("deploy", "down", "--state", state, "--parallel", parallel.ToString(CultureInfo.InvariantCulture));
            double downSeconds = wall.Elapsed.TotalSeconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: down in {downSeconds:F1} s (exit {down.ExitCode})"));
            Assert.True(down.ExitCode == 0, down.Stdout + down.Stderr);
            Assert.Equal(count, down.Stdout.Split('\n').Count(l => l.Contains("left gracefully", StringComparison.Ordinal)));
            // `ps` in every namespace: no totoro process left anywhere.
            List<string> left = [.. bridge.Namespaces.SelectMany(ns => TotoroPids(ns).Select(pid => $"{ns}: pid {pid}"))];
            output.WriteLine($"round {round}: after down, totoro processes in the {bridge.Namespaces.Count} namespaces: {left.Count}");
            Assert.True(left.Count == 0, $"left behind: {string.Join(", ", left)}");
            _lastDown = downSeconds;
            _lastLeft = left.Count;
        }

        return new Round(count, upSeconds, _lastDown, deployed, load, loadAfter, bridge.Namespaces.Count, _lastLeft);
    }

    private double _lastDown;
    private int _lastLeft;

    /// <param name="Load">The machine's 1-minute load average when up began (other work on the machine slows every step).</param>
    /// <param name="LoadAfter">The same when up ended.</param>
    /// <param name="Namespaces">How many namespaces `ps` looked in after down.</param>
    /// <param name="Left">The totoro processes it found there.</param>
    private sealed record Round(int Hosts, double UpSeconds, double DownSeconds, DeployState State, string Load, string LoadAfter, int Namespaces, int Left);

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>Per-host steps as CSV and the summary with the worked-out 500-host time (a line through the two rounds).</summary>
    private void WriteResults(string resultsDir, List<Round> rounds, LocalBuild local, int parallel)
    {
        Directory.CreateDirectory(resultsDir);
        var csv = new StringBuilder("round,hosts,host,connect_s,upload_s,certify_s,start_s,join_s,sent_bytes\n");
        foreach ((Round round, int r) in rounds.Select((x, i) => (x, i)))
        {
            foreach (DeployedHost h in round.State.Hosts.Where(h => h.Timings is not null && h.Error is null))
            {
                HostTimings t = h.Timings!;
                csv.AppendLine(CultureInfo.InvariantCulture, $"{r},{round.Hosts},{h.Name},{t.Connect:F3},{t.Upload:F3},{t.Certify:F3},{t.Start:F3},{t.Join:F3},{t.SentBytes}");
            }
        }

        File.WriteAllText(Path.Combine(resultsDir, "hosts.csv"), csv.ToString());
        Round last = rounds[^1];
        List<HostTimings> t50 = [.. last.State.Hosts.Where(h => h.Error is null).Select(h => h.Timings!)];
        string Median(Func<HostTimings, double?> step) => string.Create(CultureInfo.InvariantCulture, $"{MedianOf(t50.Select(step)):F2}");
        var summary = new StringBuilder();
        summary.AppendLine(CultureInfo.InvariantCulture, $"deploy at scale: `totoro deploy up` to namespace hosts, each with its own sshd, --parallel {parallel}, 2 logical nodes per host, on {Environment.ProcessorCount} cores");
        summary.AppendLine(CultureInfo.InvariantCulture, $"build: {local.Files.Count} files, {local.Bytes / 1e6:F1} MB (framework-dependent, without libtorch)");
        foreach (Round round in rounds)
        {
            summary.AppendLine(CultureInfo.InvariantCulture, $"{round.Hosts} hosts: up {round.UpSeconds:F1} s wall, down {round.DownSeconds:F1} s wall (1-minute load average {round.Load} when up began, {round.LoadAfter} when it ended)");
            summary.AppendLine(CultureInfo.InvariantCulture, $"  after down: {round.Left} totoro processes in all {round.Namespaces} namespaces (`ip netns pids` and each pid's command line)");
        }

        summary.AppendLine(CultureInfo.InvariantCulture, $"per host at {last.Hosts} hosts (median s): connect {Median(x => x.Connect)}, upload {Median(x => x.Upload)}, certify {Median(x => x.Certify)}, start {Median(x => x.Start)}, join {Median(x => x.Join)}");
        double uploadSum = t50.Sum(x => (x.Connect ?? 0) + (x.Upload ?? 0) + (x.Certify ?? 0));
        summary.AppendLine(CultureInfo.InvariantCulture, $"upload phase work at {last.Hosts} hosts: {uploadSum:F1} host-s over {parallel} streams = {uploadSum / parallel:F1} s; {last.Hosts * local.Bytes / 1e6 / (uploadSum / parallel):F0} MB/s through SSH");
        if (rounds.Count > 1)
        {
            Round small = rounds[0];
            double perHost = (last.UpSeconds - small.UpSeconds) / (last.Hosts - small.Hosts);
            double fixedCost = small.UpSeconds - perHost * small.Hosts;
            double downPerHost = (last.DownSeconds - small.DownSeconds) / (last.Hosts - small.Hosts);
            double downFixed = small.DownSeconds - downPerHost * small.Hosts;
            summary.AppendLine(CultureInfo.InvariantCulture, $"line through the rounds: up = {fixedCost:F1} s + {perHost:F3} s/host; down = {downFixed:F1} s + {downPerHost:F3} s/host");
            summary.AppendLine(CultureInfo.InvariantCulture, $"worked out for 500 hosts at --parallel {parallel}: up {fixedCost:F1} + 500 x {perHost:F3} = {fixedCost + 500 * perHost:F0} s; down {downFixed + 500 * downPerHost:F0} s");
        }

        File.WriteAllText(Path.Combine(resultsDir, "summary.txt"), summary.ToString());
        output.WriteLine(summary.ToString());
    }

    private static double MedianOf(IEnumerable<double?> values)
    {
        double[] sorted = [.. values.Select(v => v ?? 0).Order()];
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }

    /// <summary>Pids of totoro processes in a namespace (`ip netns pids`, then each one's command line), like `ps` run there.</summary>
    private static List<int> TotoroPids(string ns)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "netns", "pids", ns })
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        string pids = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var found = new List<int>();
        foreach (string line in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int pid = int.Parse(line, CultureInfo.InvariantCulture);
            try
            {
                // A totoro program in its arguments (not sshd, whose config path says totoro-sshd).
                if (File.ReadAllText($"/proc/{pid}/cmdline").Split('\0').Any(a => Path.GetFileName(a) is "totoro.dll" or "totoro"))
                    found.Add(pid);
            }
            catch (IOException)
            {
                // ended while we looked
            }
        }

        return found;
    }

    private static void KillTotoro(string ns)
    {
        foreach (int pid in TotoroPids(ns))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }
    }

    private static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }
}
