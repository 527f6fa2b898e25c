using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Totoro.Core.Runtime;

namespace Totoro.Cli.Soak;

internal enum SoakHostState
{
    Down,

    /// <summary>Process started, not every logical node has joined yet.</summary>
    Starting,

    Up,

    /// <summary>Running, but its namespace is cut off from the bridge.</summary>
    Cut,
}

/// <summary>One soak host: its `totoro node` process (in its namespace), its data directory and log, its state.</summary>
internal sealed class SoakHost(int index, IPEndPoint endpoint, string dataDir)
{
    public int Index { get; } = index;

    public IPEndPoint Endpoint { get; } = endpoint;

    public string DataDir { get; } = dataDir;

    public Process? Process { get; set; }

    public SoakHostState State { get; set; } = SoakHostState.Down;

    /// <summary>Soak seconds at which the host entered <see cref="State"/>.</summary>
    public double Since { get; set; }

    /// <summary>Its logical nodes' ids (kept across restarts in --data-dir/node-ids).</summary>
    public NodeId[] Ids { get; set; } = [];

    public int Starts { get; set; }

    /// <summary>Settled: up, and for long enough that every other host's routing should know it.</summary>
    public bool SettledAt(double t, double settle) => State == SoakHostState.Up && Since <= t - settle;
}

/// <summary>
/// Starts, kills and stops the soak's `totoro node` processes inside their namespaces, appends each host's stderr to
/// OUT/hosts/hI.log (every start marked), and samples each process's CPU time and resident memory from /proc.
/// </summary>
internal sealed class SoakHosts : IDisposable
{
    private const int Port = 7000;
    private const int SigTerm = 15;
    private readonly SoakOptions _options;
    private readonly SoakNetwork _network;
    private readonly string _logDir;
    private readonly Dictionary<int, StreamWriter> _logs = [];

    public SoakHosts(SoakOptions options, SoakNetwork network)
    {
        _options = options;
        _network = network;
        _logDir = Path.Combine(options.OutDir, "hosts");
        Directory.CreateDirectory(_logDir);
        All = [.. Enumerable.Range(0, options.Hosts).Select(i => new SoakHost(i, new IPEndPoint(network.AddressOf(i), Port), Path.Combine(_logDir, $"h{i}")))];
    }

    public IReadOnlyList<SoakHost> All { get; }

    /// <summary>Starts the host's process, joining through <paramref name="bootstrap"/> (null founds the overlay).</summary>
    public void Start(SoakHost host, SoakHost? bootstrap, double now)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // `ip netns exec` execs the command, so the process we hold is the node itself (its pid is the node's).
        foreach (string arg in new[] { "netns", "exec", _network.Namespaces[host.Index], "dotnet", Path.Combine(AppContext.BaseDirectory, "totoro.dll"), "node" })
            start.ArgumentList.Add(arg);
        var args = new List<string>
        {
            "--listen", host.Endpoint.ToString(), "--logical-nodes", Invariant(_options.NodesPerHost), "--data-dir", host.DataDir,
            "--ping-period-ms", Invariant(_options.PingPeriodMs), "--log-level", "info", "--insecure", "--control-open",
        };
        if (bootstrap is not null)
            args.AddRange(["--bootstrap", bootstrap.Endpoint.ToString(), "--join-timeout", "60"]);
        if (!_network.Netem)
        {
            args.AddRange(["--impair-loss", (_options.LossPercent / 100).ToString(CultureInfo.InvariantCulture)]);
            args.AddRange(["--impair-delay-ms", Invariant(_options.DelayMs)]);
        }

        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        StreamWriter log = LogOf(host);
        Append(log, $"=== soak: start {host.Starts + 1} at {now:F1} s{(bootstrap is null ? "" : $", joining through host {bootstrap.Index}")}");
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            Append(log, e.Data);
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        host.Process = process;
        host.Starts++;
        host.State = SoakHostState.Starting;
        host.Since = now;
    }

    /// <summary>`kill -9`: no leave, no goodbye.</summary>
    public void Kill(SoakHost host, double now)
    {
        if (host.Process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit(5000);
        }

        Ended(host, now, "killed (SIGKILL)");
    }

    /// <summary>SIGTERM: the host's nodes leave their trees and leaf sets, then it exits (killed if it takes over 15 s).</summary>
    public void Stop(SoakHost host, double now)
    {
        if (host.Process is { HasExited: false } process)
        {
            _ = Kill(process.Id, SigTerm);
            if (!process.WaitForExit(15_000))
                process.Kill();
            process.WaitForExit(5000);
        }

        Ended(host, now, "stopped (SIGTERM)");
    }

    /// <summary>The process's CPU seconds so far and resident memory (bytes), or null when it is not running.</summary>
    public static (double CpuSeconds, long RssBytes)? Sample(SoakHost host)
    {
        if (host.Process is not { HasExited: false } process)
            return null;
        try
        {
            string stat = File.ReadAllText($"/proc/{process.Id}/stat");
            // Fields after the command name (which may hold spaces) start after its closing parenthesis.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            double ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
            long rssPages = long.Parse(fields[21], CultureInfo.InvariantCulture);
            return (ticks / 100.0, rssPages * Environment.SystemPageSize); // USER_HZ is 100 on Linux
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return null; // it exited between the check and the read
        }
    }

    public void Dispose()
    {
        foreach (SoakHost host in All)
        {
            if (host.Process is { HasExited: false } process)
                _ = Kill(process.Id, SigTerm);
        }

        foreach (SoakHost host in All)
        {
            if (host.Process is { } process)
            {
                if (!process.WaitForExit(10_000))
                    process.Kill();
                process.Dispose();
            }
        }

        foreach (StreamWriter log in _logs.Values)
        {
            lock (log)
                log.Dispose();
        }
    }

    private void Ended(SoakHost host, double now, string how)
    {
        StreamWriter log = LogOf(host);
        Append(log, $"=== soak: {how} at {now:F1} s");
        host.Process?.Dispose();
        host.Process = null;
        host.State = SoakHostState.Down;
        host.Since = now;
    }

    /// <summary>
    /// One line of a host's log. A line the disk refuses is lost, not the soak: this runs on the process's output
    /// thread, where an exception would end the whole run.
    /// </summary>
    private static void Append(StreamWriter log, string line)
    {
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (IOException)
            {
                // a full disk: the host's process goes on, and so does the soak
            }
        }
    }

    private StreamWriter LogOf(SoakHost host)
    {
        if (!_logs.TryGetValue(host.Index, out StreamWriter? log))
            _logs[host.Index] = log = new StreamWriter(Path.Combine(_logDir, $"h{host.Index}.log"), append: false) { AutoFlush = true };
        return log;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
