using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Totoro.Net.Control;

namespace Totoro.Net.Deploy;

/// <summary>
/// `totoro deploy`'s steps over a list of hosts. Every host runs in its own try: one that fails is reported (with
/// its name and the fix) and the others go on. Progress goes to a callback as it happens.
/// </summary>
public static class Deployment
{
    private static readonly TimeSpan InfoTimeout = TimeSpan.FromMilliseconds(1500);

    /// <summary>Uploads the build, starts every node (the first healthy host founds the overlay), waits until they joined.</summary>
    public static (DeployState State, IReadOnlyList<HostReport> Reports) Up(
        IReadOnlyList<DeployHost> hosts, SshCredentials credentials, LocalBuild build, UpOptions options, IDeployProgress progress)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        int count = hosts.Count;
        var errors = new string?[count];
        var sessions = new HostSession?[count];
        var listen = new IPEndPoint?[count];
        var pids = new int[count];
        var nodes = new int[count];
        var detail = new string[count];
        var timings = new HostTimings[count];
        var exited = new bool[count]; // started, then seen dead: nothing left to stop
        for (int i = 0; i < count; i++)
        {
            nodes[i] = hosts[i].Nodes ?? options.NodesPerHost;
            timings[i] = new HostTimings();
        }

        using DeployAuthority? authority = options.AuthorityDirectory is { } caDir ? DeployAuthority.OpenOrInit(caDir) : null;
        try
        {
            // 1. Resolve, connect, upload and certify, several hosts at a time.
            var total = Stopwatch.StartNew();
            progress.Phase("upload", count);
            HostWorkers.Run(count, options.Parallelism, i =>
            {
                DeployHost host = hosts[i];
                try
                {
                    var step = Stopwatch.StartNew();
                    listen[i] = new IPEndPoint(ResolveIPv4(host), host.NodePort);
                    sessions[i] = HostSession.Open(host, credentials, options.SshTimeout);
                    timings[i] = timings[i] with { Connect = Lap(step) };
                    UploadResult upload = BuildUploader.Upload(sessions[i]!, build);
                    timings[i] = timings[i] with { Upload = Lap(step), SentBytes = upload.SentBytes };
                    authority?.Provision(sessions[i]!, nodes[i]);
                    timings[i] = timings[i] with { Certify = authority is null ? null : Lap(step) };
                    detail[i] = string.Create(CultureInfo.InvariantCulture,
                        $"sent {upload.Sent}/{upload.Files} files ({upload.SentBytes / 1e6:F1} of {upload.BuildBytes / 1e6:F1} MB) in {upload.Elapsed.TotalSeconds:F1} s");
                    progress.Done(host.Name, $"uploaded: {detail[i]}");
                }
                catch (Exception ex) when (ex is DeployHostException or IOException or UnauthorizedAccessException)
                {
                    Fail(i, ex.Message);
                }
            });

            // 2. Start the first healthy host, which founds the overlay, then the others joining through it.
            int first = Array.FindIndex(errors, e => e is null);
            if (first < 0)
                return (Save(), Reports());
            using var control = new ControlClient(signer: authority?.Operator);
            progress.Phase("start", errors.Count(e => e is null));
            StartOne(first, null);
            if (errors[first] is null && WaitAnswer(control, first, options.JoinTimeout) is { } failure)
                Fail(first, Dead(first, failure));

            if (errors[first] is not null)
            {
                for (int i = 0; i < count; i++)
                {
                    if (errors[i] is null)
                        Fail(i, $"host {hosts[i].Name} ({hosts[i].Target}): not started, because the bootstrap host {hosts[first].Name} failed: fix that host and run up again");
                }

                return (Save(), Reports());
            }

            var started = new DateTime[count];
            started[first] = DateTime.UtcNow;
            progress.Done(hosts[first].Name, string.Create(CultureInfo.InvariantCulture, $"started pid {pids[first]}, answering at {listen[first]} (bootstrap) after {total.Elapsed.TotalSeconds:F1} s"));
            HostWorkers.Run(count, options.Parallelism, i =>
            {
                if (i == first || errors[i] is not null)
                    return;
                StartOne(i, listen[first]);
                started[i] = DateTime.UtcNow;
                if (errors[i] is null)
                    progress.Done(hosts[i].Name, string.Create(CultureInfo.InvariantCulture, $"started pid {pids[i]}"));
            });

            // 3. Wait until every started host answers with all its nodes joined: rounds of checks, several at a time,
            // each worker with its own control socket (one socket's answers are read by one caller).
            var pending = new HashSet<int>(Enumerable.Range(0, count).Where(i => errors[i] is null));
            progress.Phase("join", pending.Count);
            DateTime deadline = DateTime.UtcNow + options.JoinTimeout;
            DateTime nextAliveCheck = DateTime.UtcNow + TimeSpan.FromSeconds(2);
            while (pending.Count > 0 && DateTime.UtcNow < deadline)
            {
                bool aliveCheck = DateTime.UtcNow >= nextAliveCheck;
                if (aliveCheck)
                    nextAliveCheck = DateTime.UtcNow + TimeSpan.FromSeconds(2);
                var finished = new ConcurrentBag<int>();
                int[] round = [.. pending];
                HostWorkers.Run(round.Length, options.Parallelism, () => new ControlClient(signer: authority?.Operator), (k, client) =>
                {
                    int i = round[k];
                    try
                    {
                        CheckJoined(i, client, aliveCheck, finished);
                    }
                    catch (Exception ex) when (ex is DeployHostException or IOException or SocketException)
                    {
                        // One host's SSH session or socket failing while it is checked fails that host, by name, and the
                        // rest go on: escaping, it would take the whole `up` down with no state written.
                        finished.Add(i);
                        Fail(i, ex is DeployHostException ? ex.Message : $"host {hosts[i].Name} ({hosts[i].Target}): checking whether its nodes joined failed: {ex.Message}");
                    }
                }, client => client.Dispose());
                pending.ExceptWith(finished);
                if (pending.Count > 0)
                    Thread.Sleep(200);
            }

            foreach (int i in pending)
                Fail(i, $"host {hosts[i].Name} ({hosts[i].Target}): its nodes did not all join within {options.JoinTimeout.TotalSeconds:F0} s: see {ShellQuote.Path(hosts[i].RemoteDir, "node.log")} there (`totoro deploy collect`), or raise --join-timeout");

            progress.Note(string.Create(CultureInfo.InvariantCulture, $"{count - errors.Count(e => e is not null)}/{count} hosts up after {total.Elapsed.TotalSeconds:F1} s"));
            return (Save(), Reports());

            void CheckJoined(int i, ControlClient client, bool aliveCheck, ConcurrentBag<int> finished)
            {
                HostInfo? info = client.Ask(listen[i]!, new ControlRequest(0, "info"), InfoTimeout)?.Info;
                if (info is not null && info.Joined == info.NodeIds.Length)
                {
                    finished.Add(i);
                    timings[i] = timings[i] with { Join = (DateTime.UtcNow - started[i]).TotalSeconds };
                    string joined = string.Create(CultureInfo.InvariantCulture, $"pid {pids[i]} at {listen[i]}, {info.Joined}/{info.NodeIds.Length} nodes joined after {total.Elapsed.TotalSeconds:F1} s");
                    detail[i] = $"{joined}; {detail[i]}";
                    progress.Done(hosts[i].Name, $"up: {joined}");
                }
                else if (aliveCheck && !RemoteNode.IsAlive(sessions[i]!, pids[i]))
                {
                    finished.Add(i);
                    exited[i] = true;
                    Fail(i, Dead(i, "its node exited"));
                }
            }
        }
        finally
        {
            HostWorkers.Run(count, options.Parallelism, i => sessions[i]?.Dispose());
        }

        void Fail(int i, string error)
        {
            errors[i] = error;
            progress.Failed(hosts[i].Name, error);
        }

        void StartOne(int i, IPEndPoint? bootstrap)
        {
            try
            {
                var step = Stopwatch.StartNew();
                var arguments = new List<string>
                {
                    "--listen", listen[i]!.ToString(), "--logical-nodes", nodes[i].ToString(CultureInfo.InvariantCulture),
                    "--data-dir", "data",
                };
                if (bootstrap is not null)
                    arguments.AddRange(["--bootstrap", bootstrap.ToString()]);
                arguments.AddRange(options.NodeArguments);
                pids[i] = RemoteNode.Start(sessions[i]!, build.SelfContained, options.Dotnet, arguments);
                timings[i] = timings[i] with { Start = Lap(step) };
            }
            catch (Exception ex) when (ex is DeployHostException or IOException or UnauthorizedAccessException)
            {
                Fail(i, ex.Message);
            }
        }

        // Null once the node answers; otherwise why it did not.
        string? WaitAnswer(ControlClient control, int i, TimeSpan timeout)
        {
            DateTime until = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < until)
            {
                if (control.Ask(listen[i]!, new ControlRequest(0, "info"), InfoTimeout) is not null)
                    return null;
                if (!RemoteNode.IsAlive(sessions[i]!, pids[i]))
                {
                    exited[i] = true;
                    return "its node exited";
                }
            }

            return $"its node did not answer at {listen[i]} within {timeout.TotalSeconds:F0} s (a firewall on that UDP port?)";
        }

        string Dead(int i, string what)
        {
            string tail;
            try
            {
                tail = RemoteNode.LogTail(sessions[i]!, 3).Replace('\n', ' ');
            }
            catch (DeployHostException ex)
            {
                tail = $"(not readable: {ex.Message})";
            }

            return $"host {hosts[i].Name} ({hosts[i].Target}): {what}; its node.log ends: {(tail.Length == 0 ? "(empty: check that the build runs there, e.g. --dotnet for a framework-dependent one)" : tail)}";
        }

        DeployState Save() => new()
        {
            User = credentials.User,
            Key = credentials.KeyPath,
            SelfContained = build.SelfContained,
            Authority = authority?.Directory,
            Bootstrap = Array.FindIndex(pids, p => p > 0) is int b and >= 0 ? listen[b]!.ToString() : "(none started)",
            Hosts = [.. hosts.Select((h, i) => new DeployedHost
            {
                Name = h.Name, Address = h.Address, SshPort = h.SshPort, Line = h.Line, RemoteDir = h.RemoteDir,
                Listen = (listen[i] ?? new IPEndPoint(IPAddress.None, h.NodePort)).ToString(), Nodes = nodes[i],
                Pid = pids[i], Stopped = exited[i], Error = errors[i], HostKey = sessions[i]?.HostKey ?? h.HostKey, Timings = timings[i],
            })],
        };

        List<HostReport> Reports() => [.. hosts.Select((h, i) => new HostReport(h.Name, h.Target, errors[i] is null, errors[i] ?? detail[i]))];
    }

    /// <summary>Every host: is its process alive (over SSH) and how many of its nodes have joined (control protocol).</summary>
    public static IReadOnlyList<HostStatus> Status(DeployState state, SshCredentials credentials, TimeSpan sshTimeout, int parallelism, IDeployProgress progress)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(progress);
        progress.Phase("status", state.Hosts.Count);
        using Security.Signer? signer = DeployAuthority.LoadOperator(state.Authority);
        using var control = new ControlClient(signer: signer);
        var rows = new HostStatus[state.Hosts.Count];
        HostWorkers.Run(rows.Length, parallelism, i =>
        {
            DeployedHost host = state.Hosts[i];
            bool? alive = host.Pid == 0 ? false : null;
            string? error = host.Pid == 0 ? host.Error ?? $"host {host.Name}: never started (no pid in the state file)" : null;
            if (host.Pid > 0)
            {
                try
                {
                    using HostSession session = HostSession.Open(host.ToHost(), credentials, sshTimeout);
                    alive = RemoteNode.IsAlive(session, host.Pid);
                }
                catch (Exception ex) when (ex is DeployHostException or IOException or UnauthorizedAccessException)
                {
                    error = ex.Message;
                }
            }

            HostInfo? info = null;
            if (alive is not false && host.Pid > 0 && IPEndPoint.TryParse(host.Listen, out IPEndPoint? endpoint))
            {
                lock (control)
                    info = control.Ask(endpoint, new ControlRequest(0, "info"), InfoTimeout)?.Info;
            }

            rows[i] = new HostStatus(host.Name, $"{host.Address}:{host.SshPort}", host.Listen, host.Pid, alive, info?.Joined, info?.NodeIds.Length ?? host.Nodes, host.Stopped, error);
            if (rows[i].Healthy)
                progress.Done(host.Name, $"{info!.Joined}/{info.NodeIds.Length} nodes joined");
            else
                progress.Failed(host.Name, error ?? (alive == false ? $"host {host.Name}: pid {host.Pid} is not running" : $"host {host.Name}: {info?.Joined.ToString(CultureInfo.InvariantCulture) ?? "no answer"}/{rows[i].Nodes} nodes joined"));
        });
        return rows;
    }

    /// <summary>Stops every host's node: SIGTERM (graceful leave), then SIGKILL after <paramref name="timeout"/>.</summary>
    /// <returns>The state with every stopped host marked, and one report per host.</returns>
    public static (DeployState State, IReadOnlyList<HostReport> Reports) Down(DeployState state, SshCredentials credentials, TimeSpan timeout, TimeSpan sshTimeout, int parallelism, IDeployProgress progress)
    {
        ArgumentNullException.ThrowIfNull(state);
        List<HostReport> reports = ForEachHost("down", state, credentials, sshTimeout, parallelism, progress, (host, session) =>
        {
            StopOutcome outcome = RemoteNode.Stop(session, host.Pid, timeout);
            return outcome.Kind switch
            {
                StopKind.NotRunning => host.Pid == 0 ? "never started" : $"pid {host.Pid} was not running",
                StopKind.Graceful => string.Create(CultureInfo.InvariantCulture, $"pid {host.Pid} left gracefully in {outcome.Waited.TotalSeconds:F1} s"),
                _ => string.Create(CultureInfo.InvariantCulture, $"pid {host.Pid} ignored SIGTERM for {outcome.Waited.TotalSeconds:F0} s and was killed"),
            };
        });
        return (state with { Hosts = [.. state.Hosts.Select((h, i) => h with { Stopped = h.Stopped || reports[i].Ok })] }, reports);
    }

    /// <summary>Downloads every host's node.log and data files into OUT/NAME/.</summary>
    public static IReadOnlyList<HostReport> Collect(DeployState state, SshCredentials credentials, string outDirectory, TimeSpan sshTimeout, int parallelism, IDeployProgress progress)
    {
        ArgumentNullException.ThrowIfNull(state);
        return ForEachHost("collect", state, credentials, sshTimeout, parallelism, progress, (host, session) =>
        {
            IReadOnlyList<(string File, long Bytes)> files = ResultCollector.Collect(session, outDirectory);
            return files.Count == 0
                ? "nothing to collect (no node.log or data files)"
                : string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", files.Select(f => $"{Path.GetFileName(f.File)} ({f.Bytes:N0} B)"))} -> {Path.Combine(outDirectory, host.Name)}");
        });
    }

    private static List<HostReport> ForEachHost(string phase, DeployState state, SshCredentials credentials, TimeSpan sshTimeout, int parallelism,
        IDeployProgress progress, Func<DeployedHost, HostSession, string> action)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var reports = new ConcurrentDictionary<int, HostReport>();
        progress.Phase(phase, state.Hosts.Count);
        HostWorkers.Run(state.Hosts.Count, parallelism, i =>
        {
            DeployedHost host = state.Hosts[i];
            string target = $"{host.Address}:{host.SshPort}";
            if (host.Pid == 0)
            {
                // `up` never started it (the error is in the state file): nothing runs there to stop or collect.
                reports[i] = new HostReport(host.Name, target, true, "never started, skipped");
                progress.Done(host.Name, reports[i].Detail);
                return;
            }

            try
            {
                using HostSession session = HostSession.Open(host.ToHost(), credentials, sshTimeout);
                reports[i] = new HostReport(host.Name, target, true, action(host, session));
                progress.Done(host.Name, reports[i].Detail);
            }
            catch (Exception ex) when (ex is DeployHostException or IOException or UnauthorizedAccessException)
            {
                reports[i] = new HostReport(host.Name, target, false, ex.Message);
                progress.Failed(host.Name, ex.Message);
            }
        });
        return [.. Enumerable.Range(0, state.Hosts.Count).Select(i => reports[i])];
    }

    /// <summary>Seconds since the last lap, restarting the watch.</summary>
    private static double Lap(Stopwatch watch)
    {
        double seconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        return Math.Round(seconds, 3);
    }

    private static IPAddress ResolveIPv4(DeployHost host)
    {
        if (IPAddress.TryParse(host.Address, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetwork)
            return address;
        try
        {
            return Dns.GetHostAddresses(host.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? throw new DeployHostException($"host {host.Name} (hosts file line {host.Line}): '{host.Address}' has no IPv4 address: give its IPv4 address");
        }
        catch (SocketException ex)
        {
            throw new DeployHostException($"host {host.Name} (hosts file line {host.Line}): cannot resolve '{host.Address}' ({ex.Message}): fix the name or give an IPv4 address", ex);
        }
    }
}
