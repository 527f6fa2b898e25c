using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Totoro.Net.Control;

namespace Totoro.Cli.Tests;

/// <summary>
/// `totoro node` processes started the way a user starts them (optionally inside a network namespace), stopped
/// with SIGTERM, their stderr kept for failure messages.
/// </summary>
internal sealed class NodeProcesses : IDisposable
{
    private readonly List<(Process Process, StringBuilder Log)> _processes = [];

    public List<IPEndPoint> Endpoints { get; } = [];

    /// <summary>Starts one host; <paramref name="netns"/> runs it inside that network namespace.</summary>
    public IPEndPoint Start(IPEndPoint listen, int logicalNodes, IPEndPoint? bootstrap, string? netns = null, params string[] extra)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "totoro.dll");
        var start = new ProcessStartInfo(netns is null ? "dotnet" : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (netns is not null)
        {
            foreach (string arg in new[] { "netns", "exec", netns, "dotnet" })
                start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add(dll);
        var args = new List<string> { "node", "--listen", listen.ToString(), "--logical-nodes", logicalNodes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "info" };
        if (bootstrap is not null)
            args.AddRange(["--bootstrap", bootstrap.ToString()]);
        if (!IPAddress.IsLoopback(listen.Address))
            args.AddRange(["--insecure", "--control-open"]); // test namespaces: no certificates, and the tests ask from the host's side of the bridge
        args.AddRange(extra);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (log)
                log.AppendLine(e.Data);
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _processes.Add((process, log));
        Endpoints.Add(listen);
        return listen;
    }

    /// <summary>Waits until every host answers `info` with all its nodes joined; returns every node id.</summary>
    public List<Totoro.Core.Runtime.NodeId> WaitUntilJoined(ControlClient client, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var ids = new List<Totoro.Core.Runtime.NodeId>();
            bool all = true;
            foreach (IPEndPoint endpoint in Endpoints)
            {
                HostInfo? info = client.Ask(endpoint, new ControlRequest(0, "info"), TimeSpan.FromSeconds(1))?.Info;
                all &= info is not null && info.Joined == info.NodeIds.Length;
                if (info is not null)
                    ids.AddRange(info.NodeIds.Select(Parse));
            }

            if (all)
                return ids;
            Assert.True(DateTime.UtcNow < deadline, $"hosts did not all join within {timeout.TotalSeconds} s:\n{Logs()}");
            Thread.Sleep(200);
        }
    }

    /// <summary>`kill -9` of the host listening at <paramref name="endpoint"/>: no leave, no goodbye.</summary>
    public void KillHard(IPEndPoint endpoint)
    {
        Process process = _processes[Endpoints.IndexOf(endpoint)].Process;
        process.Kill(entireProcessTree: true);
        process.WaitForExit(5000);
    }

    public static Totoro.Core.Runtime.NodeId Parse(string hex)
        => new(UInt128.Parse(hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));

    public string Logs()
    {
        var all = new StringBuilder();
        for (int i = 0; i < _processes.Count; i++)
        {
            lock (_processes[i].Log)
                all.Append($"--- host {i} ({Endpoints[i]}) exited={_processes[i].Process.HasExited}\n{_processes[i].Log}");
        }

        return all.ToString();
    }

    public void Dispose()
    {
        foreach (var (process, _) in _processes)
        {
            if (!process.HasExited)
                Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
        }

        foreach (var (process, _) in _processes)
        {
            if (!process.WaitForExit(5000))
                process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }
}
