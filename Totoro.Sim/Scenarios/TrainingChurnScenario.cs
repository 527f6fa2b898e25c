using System.Diagnostics;
using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Federated training while the overlay churns (`totoro sim --rounds … --churn …` and/or `--kill-root-at-round R`).
/// The world is <see cref="FederatedScenario"/>'s; session churn is <see cref="SessionChurnScenario"/> running on
/// that world's overlay from the moment training starts. Nodes' sessions end (crash, or graceful leave per
/// --leave-fraction) and fresh nodes join; the round deadline leaves dead workers and stragglers out of a round
/// instead of stalling it; a dead root's replica holder takes the app over from the replicated model.
/// </summary>
/// <remarks>
/// A worker's data shard lives on a device, and a session is a device's time online: when a worker's node goes, the
/// fresh node that takes its place (the same device back under a new id, after --mean-downtime) subscribes and
/// holds the shard again, with the device's speed. So churn costs the rounds a shard misses, not the data itself,
/// and accuracy stays comparable to an undisturbed run. A root killed with --kill-root-at-round is a crash nobody
/// replaces.
/// </remarks>
public sealed class TrainingChurnScenario
{
    /// <summary>Lookups during training: one per simulated second, up to --lookups, while churn lasts.</summary>
    private const long LookupIntervalMicros = 1_000_000;

    private readonly TrainingChurnSimConfig _config;
    private readonly LearningSimConfig _learning;
    private readonly FederatedScenario _federated;
    private readonly SessionChurnScenario? _sessions;
    private readonly Audit _audit;
    private readonly Dictionary<int, List<(int App, int Worker)>> _leftBy = [];
    private readonly Dictionary<int, List<(int App, int Worker)>> _comingTo = [];
    private readonly HashSet<NodeId> _killed = [];
    private int _workerDepartures;
    private int _handedOver;
    private long _lastActivity;
    private int _lastRounds = -1;
    private bool _gaveUp;

    public TrainingChurnScenario(OverlaySimConfig overlay, ForestSimConfig forest, LearningSimConfig learning, TrainingChurnSimConfig config, DatasetCache? cache = null)
    {
        IReadOnlyList<string> problems = config.Validate(learning);
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(config));
        _config = config;
        _learning = learning;
        ChurnSimConfig? churn = config.Churn is { HasSessionChurn: true } c ? c : null;
        int spare = churn is null ? 0 : SessionChurnScenario.SpareSlotsFor(overlay.Nodes, churn);
        forest = forest with { TreeTimers = forest.TreeTimers ?? ChurnSimConfig.TreeTimersFor(config.EffectiveTimers) };
        _federated = new FederatedScenario(overlay, forest, learning, cache, spare);
        _audit = new Audit(this);
        _federated.Forest.Observer = _audit;
        _federated.GiveUp = Stalled;
        if (churn is not null)
        {
            _sessions = new SessionChurnScenario(overlay, churn, _federated.Forest.Overlay)
            {
                Departing = OnDeparting,
                Replaced = OnReplaced,
                NodeJoined = OnNodeJoined,
                LeaveGracefully = slot => _federated.Forest.Node(slot).Leave(), // trees first (parents and children told), then the overlay
            };
            _federated.RunWorldUntil = _sessions.RunUntil;
            _federated.TrainingStarting = () =>
            {
                _sessions.BeginChurn();
                _sessions.ScheduleLookups(overlay.Lookups, LookupIntervalMicros);
            };
        }

        if (config.KillRootAtRound > 0)
        {
            SendObserver? previous = World.OnSend;
            World.OnSend = (int from, int to, in Message m) =>
            {
                previous?.Invoke(from, to, m);
                KillRootOnFirstUpdate(to, m);
            };
        }
    }

    public FederatedScenario Federated => _federated;

    public SimWorld World => _federated.Forest.World;

    /// <summary>Builds the world, trains under churn, reports the overlay, learning and churn sections.</summary>
    public SimReport Run(Action<SimProgress>? progress = null)
    {
        var wall = Stopwatch.StartNew();
        LearningSection learning = _federated.Run(progress);
        int exact = 0;
        if (_sessions is not null)
        {
            _sessions.EndChurn();
            exact = _sessions.SettleAndCountExact(SessionChurnScenario.SettlePeriodsAfterChurn);
        }
        else
        {
            _federated.Forest.Overlay.RefreshOracle(); // the overlay section's leaf-set check is against the nodes live now
        }

        wall.Stop();
        SimReport report = _federated.Forest.Overlay.Report(wall.Elapsed.TotalSeconds);
        return report with { Learning = learning, Churn = Section(learning, exact) };
    }

    // ---- The root kill -------------------------------------------------------------------------------------

    /// <summary>Mid-round R: the first update on its way to an app's root kills the root, before the round can close there.</summary>
    private void KillRootOnFirstUpdate(int to, in Message m)
    {
        NodeId key = m.Key;
        if (m.Kind != TreeKind.Aggregate || _killed.Contains(key) || !World.IsAlive(to))
            return;
        if (_federated.Ledger[key]?.Master is not { } master || master.CompletedRounds != _config.KillRootAtRound - 1 || master.Finished || !_federated.Forest.Node(to).IsRootOf(key))
            return;
        _killed.Add(key);
        if (_sessions is not null)
            _sessions.Crash(to); // leaves the live set too; Departing notes the root's death
        else
        {
            OnDeparting(to);
            World.Kill(to);
        }
    }

    // ---- Session churn hooks ------------------------------------------------------------------------------

    private void OnDeparting(int slot)
    {
        foreach (NodeId app in _federated.TreeApps)
        {
            if (_federated.Forest.Node(slot).IsRootOf(app))
                _audit.RootDied(app, World.Now);
        }

        List<(int App, int Worker)> held = [.. _federated.WorkersAt(slot)];
        if (held.Count == 0)
            return;
        _workerDepartures += held.Count;
        _leftBy[slot] = held;
    }

    private void OnReplaced(int departed, int fresh)
    {
        if (_leftBy.Remove(departed, out List<(int App, int Worker)>? held))
            _comingTo[fresh] = held;
    }

    /// <summary>The fresh node is in the overlay: it takes the departed node's shards and subscribes to their apps.</summary>
    private void OnNodeJoined(int slot)
    {
        if (!_comingTo.Remove(slot, out List<(int App, int Worker)>? held))
            return;
        foreach ((int app, int worker) in held)
        {
            _federated.MoveWorker(app, worker, slot);
            _handedOver++;
        }
    }

    /// <summary>No round closed and no take-over anywhere for the stall limit: an app cannot finish (its model has nobody to resume it).</summary>
    private bool Stalled()
    {
        int rounds = _audit.RoundsSeen + _audit.Takeovers;
        if (rounds != _lastRounds)
        {
            _lastRounds = rounds;
            _lastActivity = World.Now;
        }

        _gaveUp = World.Now - _lastActivity > (long)(_config.StallLimitSeconds * 1e6);
        return _gaveUp;
    }

    // ---- Report ----------------------------------------------------------------------------------------------

    private ChurnSection Section(LearningSection learning, int exact)
    {
        ChurnSection churn = _sessions?.Section(exact) ?? new ChurnSection(_config.EffectiveTimers);
        LearningLedger.Entry?[] apps = [.. _federated.TreeApps.Select(a => _federated.Ledger[a])];
        int unfinished = apps.Count(a => a?.Master.Finished != true);
        int unresumed = _audit.RootDeaths - _audit.Resumed;
        double[] recovery = [.. _audit.RecoveryMs.Order()];
        List<RoundRecord> rounds = [.. learning.PerApp.SelectMany(a => a.History)];
        var training = new TrainingChurnSection(
            RoundDeadlineMs: _learning.Template.RoundDeadlineMs,
            KillRootAtRound: _config.KillRootAtRound,
            RootsKilled: _killed.Count,
            RootDeaths: _audit.RootDeaths,
            RootDeathsResumed: _audit.Resumed,
            WorkerDepartures: _workerDepartures,
            WorkersHandedOver: _handedOver,
            RoundsClosed: rounds.Count,
            RoundsShortOfParticipants: rounds.Count(r => r.Contributions < r.Participants),
            MeanParticipants: rounds.Count == 0 ? 0 : Math.Round(rounds.Average(r => r.Participants), 3),
            MeanContributions: rounds.Count == 0 ? 0 : Math.Round(rounds.Average(r => r.Contributions), 3),
            UpdatesMerged: _audit.UpdatesMerged,
            DuplicateUpdates: _audit.Duplicates,
            WeightMismatches: _audit.WeightMismatches,
            AppsUnfinished: unfinished,
            GaveUp: _gaveUp);
        return churn with
        {
            MeanRecoveryMs = recovery.Length == 0 ? 0 : Math.Round(recovery.Average(), 3),
            P99RecoveryMs = recovery.Length == 0 ? 0 : recovery[Math.Clamp((int)Math.Ceiling(0.99 * recovery.Length) - 1, 0, recovery.Length - 1)],
            MaxRecoveryMs = recovery.Length == 0 ? 0 : recovery[^1],
            RootFailovers = apps.Sum(a => a?.Takeovers ?? 0),
            RoundsLost = apps.Sum(a => a?.RoundsLost ?? 0),
            ModelsLost = apps.Sum(a => a?.ModelsLost ?? 0) + Math.Max(0, Math.Min(unresumed, unfinished)), // a dead root nobody resumed: its model is gone
            Training = training,
        };
    }

    /// <summary>
    /// Watches every node's trees (before the node's learning layer hears them): times root take-overs, and checks
    /// every round a root closes — each participant's update is merged once (its report appears once) and the merged
    /// weight is the sum of those participants' sample counts (an update merged twice would count its samples twice).
    /// </summary>
    private sealed class Audit(TrainingChurnScenario owner) : IForestApp
    {
        private readonly Dictionary<NodeId, long> _diedAt = [];

        public int RootDeaths { get; private set; }

        public int Resumed { get; private set; }

        public int Takeovers { get; private set; }

        public int RoundsSeen { get; private set; }

        public long UpdatesMerged { get; private set; }

        public int Duplicates { get; private set; }

        public int WeightMismatches { get; private set; }

        public List<double> RecoveryMs { get; } = [];

        public void RootDied(NodeId app, long now)
        {
            RootDeaths++;
            _diedAt.TryAdd(app, now);
        }

        public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
        {
        }

        public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
        {
            RoundsSeen++;
            FederatedWorkload workload = owner._federated.WorkloadOf(app);
            List<WorkerReport> reports = WorkerReport.DecodeAll(merged.Attachment).FindAll(r => r.IsParticipation);
            int distinct = reports.Select(r => r.Worker).Distinct().Count();
            Duplicates += reports.Count - distinct;
            if (distinct != contributions)
                Duplicates += (int)Math.Max(0, contributions - distinct); // merged more updates than there were participants reporting
            UpdatesMerged += contributions;
            if (workload.Spec.IsAveragingRule)
            {
                double samples = reports.Select(r => r.Worker).Distinct().Sum(w => (double)workload.Shares[w].Length);
                if (Math.Abs(samples - merged.Weight) > 1e-6 * Math.Max(1, samples))
                    WeightMismatches++;
            }
        }

        public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint)
        {
            Takeovers++;
            if (_diedAt.Remove(app, out long died))
            {
                Resumed++;
                RecoveryMs.Add(Math.Round((owner.World.Now - died) / 1000.0, 3));
            }
        }
    }
}
