using System.Globalization;
using System.Net;
using Totoro.Core.Runtime;
using Totoro.Net.Control;

namespace Totoro.Cli.Soak;

/// <summary>
/// The soak from start to verdict: namespaces and hosts up, the overlay settled, apps training and lookups checked
/// while the chaos schedule runs, then every host back and every app given its grace to finish; the timeline, the
/// per-host samples, the summary and the plots written to the output folder. Everything it started is removed at the
/// end, whatever happened.
/// </summary>
internal sealed class SoakRunner(SoakOptions options, TextWriter progress)
{
    private const double SampleSeconds = 5;
    private readonly List<SoakTimelineRow> _timeline = [];
    private readonly List<SoakHostSample> _samples = [];
    private readonly List<(double At, ChaosEvent Event, int Host)> _done = [];
    private SoakNetwork? _network;

    public SoakSummary Run()
    {
        Directory.CreateDirectory(options.OutDir);
        IReadOnlyList<ChaosEvent> plan = ChaosPlan.Draw(options);
        using var network = new SoakNetwork();
        _network = network;
        network.Create(options.Hosts, options.DelayMs, options.LossPercent);
        using var hosts = new SoakHosts(options, network);
        var state = new SoakState(options, hosts, progress);
        state.Note($"{options.Hosts} namespaces on a bridge; {(network.Netem ? "netem" : "each host's receive path")} gives {options.LossPercent}% loss and {options.DelayMs} ms delay; "
            + $"{plan.Count} chaos events planned over {options.Minutes} min (seed {options.Seed})");
        if (network.NeighbourChange is { } raised)
            state.Note(raised);
        using var control = new ControlClient();

        StartAll(state, control);
        state.Note($"all {options.Hosts} hosts × {options.NodesPerHost} nodes joined; letting the overlay settle for {options.SettleSeconds:F0} s");
        Wait(state, control, state.Now + options.SettleSeconds);

        double chaosStart = state.Now;
        double chaosEnd = chaosStart + (options.Minutes * 60);
        using var stop = new CancellationTokenSource();
        var apps = new SoakApps(options, state, Path.Combine(options.OutDir, "creator.key"));
        var lookups = new SoakLookups(state);
        // A new app only while the median app so far (or a first guess) would finish before the chaos ends.
        var appThread = new Thread(() => apps.Run(() => state.Now + (apps.MedianDuration() ?? 30) < chaosEnd, stop.Token)) { Name = "soak-apps", IsBackground = true };
        var lookupThread = new Thread(() => lookups.Run(stop.Token)) { Name = "soak-lookups", IsBackground = true };
        appThread.Start();
        lookupThread.Start();

        var restarts = new List<(double At, SoakHost Host)>();
        var reconnects = new List<(double At, SoakHost Host)>();
        int next = 0;
        double nextSample = 0, nextProgress = chaosStart + 30;
        var random = new Random(unchecked((int)options.Seed * 13 + 5));
        while (true)
        {
            double now = state.Now;
            bool chaos = now < chaosEnd;
            for (; chaos && next < plan.Count && chaosStart + plan[next].At <= now; next++)
                Throw(state, plan[next], apps, random, restarts, reconnects);
            foreach (var (at, host) in restarts.Where(r => r.At <= now || !chaos).ToList())
            {
                restarts.Remove((at, host));
                lock (state.Lock)
                    hosts.Start(host, state.RandomSettled(random) ?? hosts.All.First(h => h.State == SoakHostState.Up), now);
                state.Note($"host {host.Index} restarted with the same --data-dir");
            }

            foreach (var (at, host) in reconnects.Where(r => r.At <= now || !chaos).ToList())
            {
                reconnects.Remove((at, host));
                network.SetConnected(host.Index, true);
                lock (state.Lock)
                {
                    host.State = SoakHostState.Up;
                    host.Since = now;
                }

                state.Note($"host {host.Index} reconnected");
            }

            CheckStarting(state, control);
            if (now >= nextSample)
            {
                nextSample = now + SampleSeconds;
                Sample(state, apps, lookups, now);
            }

            if (now >= nextProgress)
            {
                nextProgress = now + 30;
                Progress(state, apps, lookups, now - chaosStart, chaosEnd - chaosStart);
            }

            if (!chaos && restarts.Count == 0 && reconnects.Count == 0)
            {
                bool appsDone = apps.Snapshot().All(a => a.Finished || a.Lost is not null);
                if (appsDone || now > chaosEnd + options.GraceSeconds)
                    break;
            }

            Thread.Sleep(200);
        }

        stop.Cancel();
        appThread.Join(TimeSpan.FromSeconds(40));
        lookupThread.Join(TimeSpan.FromSeconds(15));
        Sample(state, apps, lookups, state.Now);
        var summary = SoakSummary.From(options, network.Netem, state, apps.Snapshot(), lookups.Snapshot(), _samples, state.Now - chaosStart);
        SoakReport.Write(options.OutDir, summary, _timeline, _samples, _done, state.Notes);
        return summary;
    }

    /// <summary>Host 0 founds the overlay; the others join through it, a few at a time.</summary>
    private void StartAll(SoakState state, ControlClient control)
    {
        SoakHosts hosts = state.Hosts;
        lock (state.Lock)
            hosts.Start(hosts.All[0], null, state.Now);
        double deadline = state.Now + 60;
        while (hosts.All[0].State != SoakHostState.Up)
        {
            if (state.Now > deadline)
                throw new IOException($"host 0 did not found the overlay within 60 s: see {Path.Combine(options.OutDir, "hosts", "h0.log")}");
            CheckStarting(state, control);
            Thread.Sleep(200);
        }

        deadline = state.Now + 60 + (2.0 * options.Hosts);
        foreach (SoakHost host in hosts.All.Skip(1))
        {
            lock (state.Lock)
                hosts.Start(host, hosts.All[0], state.Now);
            // Bounded: at most two hosts joining at once, as an operator would start a fleet.
            while (hosts.All.Count(h => h.State == SoakHostState.Starting) >= 2)
            {
                if (state.Now > deadline)
                    throw new IOException($"hosts {string.Join(", ", hosts.All.Where(h => h.State == SoakHostState.Starting).Select(h => h.Index))} did not join in time: see their logs in {Path.Combine(options.OutDir, "hosts")}");
                CheckStarting(state, control);
                Thread.Sleep(200);
            }
        }

        while (hosts.All.Any(h => h.State != SoakHostState.Up))
        {
            if (state.Now > deadline)
                throw new IOException($"hosts {string.Join(", ", hosts.All.Where(h => h.State != SoakHostState.Up).Select(h => h.Index))} did not join in time: see their logs in {Path.Combine(options.OutDir, "hosts")}");
            CheckStarting(state, control);
            Thread.Sleep(200);
        }
    }

    /// <summary>A starting host whose nodes have all joined is up; its ids are learned from its answer.</summary>
    private static void CheckStarting(SoakState state, ControlClient control)
    {
        foreach (SoakHost host in state.Hosts.All.Where(h => h.State == SoakHostState.Starting))
        {
            if (host.Process is { HasExited: true } exited)
            {
                state.Note($"host {host.Index} exited with code {exited.ExitCode} while starting: restarting it");
                lock (state.Lock)
                    state.Hosts.Start(host, state.Hosts.All.FirstOrDefault(h => h.State == SoakHostState.Up && h != host), state.Now);
                continue;
            }

            HostInfo? info = control.Ask(host.Endpoint, new ControlRequest(0, "info"), TimeSpan.FromMilliseconds(300))?.Info;
            if (info is null || info.Joined < info.NodeIds.Length)
                continue;
            lock (state.Lock)
            {
                host.Ids = [.. info.NodeIds.Select(t => new NodeId(UInt128.Parse(t, NumberStyles.HexNumber, CultureInfo.InvariantCulture)))];
                host.State = SoakHostState.Up;
                host.Since = state.Now;
            }
        }
    }

    private static void Wait(SoakState state, ControlClient control, double until)
    {
        while (state.Now < until)
        {
            CheckStarting(state, control);
            Thread.Sleep(200);
        }
    }

    private void Throw(SoakState state, ChaosEvent planned, SoakApps apps, Random random, List<(double, SoakHost)> restarts, List<(double, SoakHost)> reconnects)
    {
        SoakHosts hosts = state.Hosts;
        double now = state.Now;
        SoakHost host = hosts.All[planned.Host];
        string why = "";
        if (planned.AtRoot)
        {
            // The host of a training app's master, if one is up and settled: take-overs are what this kill tests.
            SoakApp[] training = [.. apps.Snapshot().Where(a => !a.Finished && a.Lost is null && a.RootEndpoint is not null)];
            if (training.Length > 0)
            {
                SoakApp app = training[random.Next(training.Length)];
                SoakHost? root = hosts.All.FirstOrDefault(h => h.Endpoint.ToString() == app.RootEndpoint && h.State == SoakHostState.Up);
                if (root is not null)
                {
                    host = root;
                    why = $" (master of {app.Name}, round {app.Round})";
                }
            }
        }

        if (host.State != SoakHostState.Up)
        {
            state.Note($"skipped {planned.Kind} of host {host.Index}: it is {host.State}");
            return;
        }

        switch (planned.Kind)
        {
            case ChaosKind.Kill:
                lock (state.Lock)
                    hosts.Kill(host, now);
                restarts.Add((now + planned.Seconds, host));
                state.Note($"kill -9 host {host.Index}{why}; restart in {planned.Seconds:F1} s");
                break;
            case ChaosKind.Leave:
                lock (state.Lock)
                {
                    host.State = SoakHostState.Down; // lookups stop expecting it from the moment it starts to leave
                    host.Since = now;
                }

                hosts.Stop(host, now);
                restarts.Add((now + planned.Seconds, host));
                state.Note($"host {host.Index} left gracefully (SIGTERM){why}; restart in {planned.Seconds:F1} s");
                break;
            case ChaosKind.Cut:
                lock (state.Lock)
                {
                    host.State = SoakHostState.Cut;
                    host.Since = now;
                }

                _network!.SetConnected(host.Index, false);
                reconnects.Add((now + planned.Seconds, host));
                state.Note($"host {host.Index} cut off from the bridge for {planned.Seconds:F0} s");
                break;
        }

        _done.Add((now, planned, host.Index));
    }

    private void Sample(SoakState state, SoakApps apps, SoakLookups lookups, double now)
    {
        IReadOnlyList<SoakApp> snapshot = apps.Snapshot();
        IReadOnlyList<LookupRecord> records = lookups.Snapshot();
        lock (state.Lock)
        {
            foreach (SoakHost host in state.Hosts.All)
            {
                var usage = SoakHosts.Sample(host);
                _samples.Add(new SoakHostSample(Math.Round(now, 1), host.Index, host.State.ToString(), host.Starts,
                    usage is { } u ? Math.Round(u.CpuSeconds, 2) : double.NaN, usage is { } v ? Math.Round(v.RssBytes / 1048576.0, 1) : double.NaN));
            }

            _timeline.Add(new SoakTimelineRow(
                Math.Round(now, 1),
                state.Hosts.All.Count(h => h.State == SoakHostState.Up),
                state.Hosts.All.Count(h => h.State is SoakHostState.Down or SoakHostState.Starting),
                state.Hosts.All.Count(h => h.State == SoakHostState.Cut),
                records.Count,
                records.Count(r => r.Outcome == LookupOutcome.Correct),
                records.Count(r => r.Outcome == LookupOutcome.Wrong),
                records.Count(r => r.Outcome is LookupOutcome.Failed or LookupOutcome.Unanswered),
                snapshot.Count(a => !a.Finished && a.Lost is null),
                snapshot.Count(a => a.Finished),
                snapshot.Sum(a => a.MaxRound),
                snapshot.Sum(a => a.RootMoves),
                snapshot.Count(a => a.Lost is not null)));
        }
    }

    private void Progress(SoakState state, SoakApps apps, SoakLookups lookups, double elapsed, double total)
    {
        IReadOnlyList<LookupRecord> records = lookups.Snapshot();
        IReadOnlyList<SoakApp> snapshot = apps.Snapshot();
        int ok = records.Count(r => r.Outcome == LookupOutcome.Correct);
        state.Note(string.Create(CultureInfo.InvariantCulture,
            $"[{Math.Min(elapsed, total) / 60:F1}/{total / 60:F1} min] hosts up {state.Hosts.All.Count(h => h.State == SoakHostState.Up)}/{options.Hosts}, "
            + $"lookups {ok}/{records.Count} correct, apps {snapshot.Count(a => a.Finished)} finished, {snapshot.Count(a => !a.Finished && a.Lost is null)} training, "
            + $"{snapshot.Count(a => a.Lost is not null)} lost, chaos events {_done.Count}"));
    }
}
