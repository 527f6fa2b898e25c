using System.Globalization;
using System.Net;
using Totoro.Core.Learning;
using Totoro.Net.Control;

namespace Totoro.Cli.Soak;

/// <summary>One app the soak submitted, as its status answers showed it.</summary>
internal sealed class SoakApp(string name, ulong seed, double submittedAt)
{
    public string Name { get; } = name;

    public ulong Seed { get; } = seed;

    public double SubmittedAt { get; } = submittedAt;

    public int Round { get; set; }

    /// <summary>The highest round any status showed: a later status well below it means the model was lost.</summary>
    public int MaxRound { get; set; }

    public bool Finished { get; set; }

    public double FinishedAt { get; set; } = double.NaN;

    public double Accuracy { get; set; } = double.NaN;

    public string? RootEndpoint { get; set; }

    /// <summary>Times the master's host changed between two status answers (take-overs, and a root handed on to a closer node).</summary>
    public int RootMoves { get; set; }

    /// <summary>Why the app counts as lost (model gone, stopped, failed), or null.</summary>
    public string? Lost { get; set; }

    public double LastKnownAt { get; set; }

    /// <summary>Since when status answers have been behind <see cref="MaxRound"/> (null: they are not).</summary>
    public double? BehindSince { get; set; }

    /// <summary>The last status answer in words (when, round, enrolment, master), to say where an unfinished app stood.</summary>
    public string? LastSeen { get; set; }
}

/// <summary>
/// Keeps <see cref="SoakOptions.Apps"/> apps training: submits them through settled hosts, polls each one's status
/// through a random settled host, and replaces one that finished while there is time for a new one to finish.
/// Runs on its own thread with its own control socket.
/// </summary>
internal sealed class SoakApps(SoakOptions options, SoakState state, string creatorKey)
{
    /// <summary>An app known at first and then unknown for this long is lost (its master and every replica gone).</summary>
    private const double UnknownForSeconds = 60;

    /// <summary>An app whose status stays this long below the round it had reached lost its model.</summary>
    private const double BehindForSeconds = 20;

    private readonly ControlClient _client = new();
    private readonly Random _random = new(unchecked((int)options.Seed * 31 + 7));
    private readonly List<SoakApp> _apps = [];
    private int _next;

    public IReadOnlyList<SoakApp> Snapshot()
    {
        lock (_apps)
            return [.. _apps];
    }

    /// <summary>Seconds an app took from submit to finish (the median), or null before any finished.</summary>
    public double? MedianDuration()
    {
        double[] durations = [.. Snapshot().Where(a => a.Finished).Select(a => a.FinishedAt - a.SubmittedAt).Order()];
        return durations.Length == 0 ? null : durations[durations.Length / 2];
    }

    /// <summary>Runs until <paramref name="stop"/>; submits new apps only while <paramref name="mayStart"/> says so.</summary>
    public void Run(Func<bool> mayStart, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (SoakApp app in Snapshot().Where(a => !a.Finished && a.Lost is null))
                Poll(app);
            if (Snapshot().Count(a => !a.Finished && a.Lost is null) < options.Apps && mayStart())
                Submit();
            stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        }

        _client.Dispose();
    }

    private void Submit()
    {
        SoakHost? via = state.RandomSettled(_random);
        if (via is null)
            return;
        string name = $"soak-{_next}";
        ulong seed = options.Seed * 1000 + (ulong)_next;
        var request = new ControlRequest(0, "submit")
        {
            Spec = new AppSpec
            {
                Name = name,
                Model = "logreg",
                Dataset = "synthetic",
                Workers = 16,
                TrainSamples = 8000,
                Rounds = options.AppRounds,
                ClientsPerRound = 0,
                LocalEpochs = 2,
                RoundDeadlineMs = 5000,
            },
            Seed = seed,
            MinWorkers = 8,
            StartAfterSeconds = 10,
        };
        request = CreatorIdentity.SignSubmit(request, creatorKey, salt: 0, create: true);
        double at = state.Now;
        ControlResponse? response = _client.Ask(via.Endpoint, request, TimeSpan.FromSeconds(30));
        if (response is not { Ok: true })
        {
            state.Note($"submit of {name} through host {via.Index} failed ({response?.Error ?? "no answer"}); trying again");
            return;
        }

        _next++;
        lock (_apps)
            _apps.Add(new SoakApp(name, seed, at) { RootEndpoint = response.Status?.RootEndpoint, LastKnownAt = at });
        state.Note($"submitted {name} through host {via.Index}: master at {response.Status?.RootEndpoint}");
    }

    private void Poll(SoakApp app)
    {
        SoakHost? via = state.RandomSettled(_random);
        if (via is null)
            return;
        AppStatus? status = _client.Ask(via.Endpoint, new ControlRequest(0, "status") { Name = app.Name }, TimeSpan.FromSeconds(6))?.Status;
        double now = state.Now;
        lock (_apps)
        {
            if (status is not { Known: true })
            {
                if (status is not null && now - app.LastKnownAt > UnknownForSeconds)
                    app.Lost = $"unknown at its master for {now - app.LastKnownAt:F0} s (round {app.MaxRound} before; asked through host {via.Index}, answered by node {status.Root ?? "?"})";
                return;
            }

            app.LastKnownAt = now;
            app.LastSeen = string.Create(CultureInfo.InvariantCulture,
                $"at {now:F1} s: round {status.Round}, {(status.Started ? "started" : $"not started, {status.Enrolled}/{status.Wanted} shards enrolled")}, master {status.Root ?? "?"} at {status.RootEndpoint ?? "?"}{(status.Error is { } error ? ", " + error : "")}");
            if (status.RootEndpoint is { } root && app.RootEndpoint is { } before && !root.Equals(before, StringComparison.Ordinal))
            {
                app.RootMoves++;
                state.Note($"{app.Name}: master moved from {before} to {root} at round {status.Round}");
            }

            app.RootEndpoint = status.RootEndpoint ?? app.RootEndpoint;
            app.Round = status.Round;
            // A master that took over from a replica redoes at most the round in flight. A root that came back may
            // answer from nothing for a moment while it asks for the app's state; staying behind is a lost model.
            if (status.Round < app.MaxRound - 1)
            {
                app.BehindSince ??= now;
                if (now - app.BehindSince > BehindForSeconds)
                    app.Lost = $"round fell from {app.MaxRound} to {status.Round} and stayed behind for {now - app.BehindSince:F0} s: the model was lost";
                return;
            }

            app.BehindSince = null;
            app.MaxRound = Math.Max(app.MaxRound, status.Round);
            app.Accuracy = status.Accuracy;
            if (status.Stopped)
                app.Lost ??= "stopped by someone";
            if (status.Finished && status.Round >= status.Rounds)
            {
                app.Finished = true;
                app.FinishedAt = now;
                state.Note($"{app.Name} finished: {status.Round} rounds, accuracy {status.Accuracy:F4}, {app.RootMoves} master move(s)");
            }
        }
    }
}
