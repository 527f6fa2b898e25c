using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Totoro.Net.Control;

namespace Totoro.Cli.Experiments;

/// <summary>
/// `totoro node` child processes on loopback, one per host, so CPU time and resident set are measured per host by
/// the kernel. Dispose stops every one it started (SIGTERM, then kill), also when the experiment failed.
/// </summary>
internal sealed class HostProcesses : IDisposable
{
    private readonly List<(Process Process, StringBuilder Log)> _processes = [];

    public List<IPEndPoint> Endpoints { get; } = [];

    public IReadOnlyList<Process> Processes => _processes.Select(p => p.Process).ToList();

    /// <summary>Starts one host on a free loopback port and waits for its `listening` line.</summary>
    public IPEndPoint Start(int logicalNodes, IPEndPoint? bootstrap, IEnumerable<string> extra, TimeSpan timeout)
    {
        // The node command lives in this very assembly; run it the way a user would.
        string dll = Path.Combine(AppContext.BaseDirectory, "totoro.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var args = new List<string>
        {
            dll, "node", "--listen", "127.0.0.1:0", "--logical-nodes", logicalNodes.ToString(CultureInfo.InvariantCulture),
            "--log-level", "warn",
        };
        if (bootstrap is not null)
            args.AddRange(["--bootstrap", bootstrap.ToString()]);
        args.AddRange(extra);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);

        var listening = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new StringBuilder();
        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start `dotnet totoro.dll node`");
        _processes.Add((process, log));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("listening ", StringComparison.Ordinal) && IPEndPoint.TryParse(line["listening ".Length..], out IPEndPoint? endpoint))
                listening.TrySetResult(endpoint);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (log)
                log.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!listening.Task.Wait(timeout))
            throw new InvalidOperationException($"host {_processes.Count - 1} did not start listening within {timeout.TotalSeconds:0} s:\n{Logs()}");
        Endpoints.Add(listening.Task.Result);
        return listening.Task.Result;
    }

    /// <summary>Waits until every host reports all its logical nodes joined.</summary>
    public void WaitUntilJoined(ControlClient client, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            bool all = Endpoints.All(e => client.Ask(e, new ControlRequest(0, "info"), TimeSpan.FromSeconds(1))?.Info is { } info && info.Joined == info.NodeIds.Length);
            if (all)
                return;
            if (clock.Elapsed > timeout)
                throw new InvalidOperationException($"the hosts did not all join within {timeout.TotalSeconds:0} s:\n{Logs()}");
            Thread.Sleep(200);
        }
    }

    public string Logs()
    {
        var all = new StringBuilder();
        for (int i = 0; i < _processes.Count; i++)
        {
            lock (_processes[i].Log)
                all.Append(CultureInfo.InvariantCulture, $"--- host {i} exited={_processes[i].Process.HasExited}\n{_processes[i].Log}");
        }

        return all.ToString();
    }

    public void Dispose()
    {
        // SIGTERM lets each host leave gracefully; whatever is still running after 5 s is killed.
        foreach ((Process process, _) in _processes)
        {
            if (!process.HasExited)
                Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
        }

        foreach ((Process process, _) in _processes)
        {
            if (!process.WaitForExit(5000))
                process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }
}
