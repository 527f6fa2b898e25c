using System.Diagnostics;
using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Churn;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// A failure burst in the forest (paper Fig. 12): after one round, a fraction of the nodes of T trees crash at the
/// same instant (their roots too with <see cref="ChurnSimConfig.FailRoots"/>). Each hit tree is checked every
/// 100 ms: it has recovered once every live subscriber is reachable from the live node closest to the app, which
/// must hold the root, through parent–child links both ends agree on. Fail-overs are judged once the overlay has
/// had time to find every dead root (a lease, a ping period and two probes: a tree may be whole again under a root
/// that holds nothing yet, before the dead root's replica holders even know). Then each hit tree's root broadcasts
/// one more round, which must reach every live subscriber.
/// </summary>
public sealed class FailureBurstScenario
{
    private const long CheckMicros = 100_000;

    private readonly ChurnSimConfig _churn;
    private readonly ForestScenario _forest;
    private readonly Recorder _recorder = new();
    private readonly PastryOptions _timers;
    private ulong _random;

    public FailureBurstScenario(OverlaySimConfig overlay, ForestSimConfig forest, ChurnSimConfig churn)
    {
        IReadOnlyList<string> problems = churn.Validate(overlay.Nodes, forest.Apps);
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(churn));
        _churn = churn;
        _timers = overlay.Pastry;
        _random = SplitMix64.Derive(overlay.Seed, 0xb025);
        _forest = new ForestScenario(overlay, forest with { TreeTimers = forest.TreeTimers ?? ChurnSimConfig.TreeTimersFor(churn.Timers) }) { Observer = _recorder };
        _recorder.World = _forest.World;
    }

    public ForestScenario Forest => _forest;

    /// <summary>Builds the overlay and forest, runs one round, bursts, measures; the report's churn section holds the burst.</summary>
    public SimReport Run(Action<SimProgress>? progress = null)
    {
        var wall = Stopwatch.StartNew();
        SimReport report = _forest.Run(progress);
        ChurnSection burst = Burst(progress);
        wall.Stop();
        return report with { Churn = burst, Run = report.Run with { WallSeconds = Math.Round(wall.Elapsed.TotalSeconds, 4) } };
    }

    /// <summary>The burst and its measurements; the forest must have run a round (so roots have replicated).</summary>
    public ChurnSection Burst(Action<SimProgress>? progress = null)
    {
        SimWorld world = _forest.World;
        ForestScenario.AppRun[] hit = _forest.Apps.OrderBy(a => a.Number).Take(_churn.FailTrees).ToArray();
        var trees = hit.Select(a => (a.Root, (IReadOnlyList<int>)_forest.TreeMembers(a).ToList())).ToList();
        int[] victims = FailureBurst.Victims(trees, _churn.FailFraction, _churn.FailRoots, ref _random);
        var dead = new HashSet<int>(victims);

        // Orphans: live tree nodes whose parent is about to die. Rounds the dead roots had reached.
        int orphans = 0;
        var measured = new List<ForestScenario.AppRun>();
        var oldRounds = new Dictionary<NodeId, int>();
        foreach (ForestScenario.AppRun app in hit)
        {
            int before = orphans;
            foreach (int member in _forest.TreeMembers(app))
            {
                if (!dead.Contains(member) && _forest.Node(member).TryGetTree(app.Id, out TreeInfo info) && !info.Parent.IsNone && dead.Contains(info.Parent.Index))
                    orphans++;
            }

            if (dead.Contains(app.Root))
                oldRounds[app.Id] = _forest.Node(app.Root).TryGetTree(app.Id, out TreeInfo rootInfo) ? rootInfo.Round : 0;
            if (orphans > before || dead.Contains(app.Root))
                measured.Add(app);
        }

        long start = world.Now;
        foreach (int v in victims)
            world.Kill(v);
        _forest.Overlay.RefreshOracle();
        _recorder.Takeovers.Clear();

        var recovery = new Dictionary<NodeId, long>();
        long limit = start + (long)(_churn.RecoveryLimitSeconds * 1e6);
        while (recovery.Count < measured.Count && world.Now < limit)
        {
            world.RunUntil(world.Now + CheckMicros);
            foreach (ForestScenario.AppRun app in measured)
            {
                if (!recovery.ContainsKey(app.Id) && Recovered(app))
                    recovery[app.Id] = world.Now - start;
            }

            progress?.Invoke(new SimProgress("repair", recovery.Count, measured.Count));
        }

        PastryOptions timers = _timers;
        long detected = start + timers.LeaseMicros + timers.LeafSetPingPeriodMicros + (2 * timers.ProbeTimeoutMicros);
        world.RunUntil(Math.Max(world.Now, detected));
        (int failovers, int roundsLost, int modelsLost) = FailoverOutcome(oldRounds);
        (int delivered, int expected) = RoundAfterRepair(hit, progress);
        double[] times = [.. recovery.Values.Select(t => t / 1000.0).Order()];
        return new ChurnSection(
            Timers: _churn.Timers,
            FailTrees: _churn.FailTrees,
            FailFraction: _churn.FailFraction,
            FailedNodes: victims.Length,
            Orphans: orphans,
            TreesMeasured: measured.Count,
            TreesRecovered: recovery.Count,
            MeanRecoveryMs: times.Length == 0 ? 0 : Math.Round(times.Average(), 3),
            P99RecoveryMs: times.Length == 0 ? 0 : times[Math.Clamp((int)Math.Ceiling(0.99 * times.Length) - 1, 0, times.Length - 1)],
            MaxRecoveryMs: times.Length == 0 ? 0 : times[^1],
            RootFailovers: failovers,
            RoundsLost: roundsLost,
            ModelsLost: modelsLost,
            RoundAfterRepairDelivered: delivered,
            RoundAfterRepairExpected: expected);
    }

    /// <summary>Every live subscriber reachable from the live node closest to the app, which holds the root, over agreed links.</summary>
    public bool Recovered(ForestScenario.AppRun app)
    {
        SimWorld world = _forest.World;
        int root = _forest.Overlay.Oracle.Closest(app.Id);
        if (!_forest.Node(root).IsRootOf(app.Id))
            return false;
        int liveSubscribers = app.Subscribers.Count(world.IsAlive);
        int reached = 0;
        var seen = new HashSet<int>();
        var frontier = new Stack<int>();
        frontier.Push(root);
        while (frontier.Count > 0)
        {
            int node = frontier.Pop();
            if (!seen.Add(node) || !_forest.Node(node).TryGetTree(app.Id, out TreeInfo info))
                continue;
            if (info.IsSubscriber)
                reached++;
            foreach (PeerHandle child in info.Children)
            {
                if (world.IsAlive(child.Index) && _forest.Node(child.Index).TryGetTree(app.Id, out TreeInfo c) && c.Parent.Index == node && !c.Parent.IsNone)
                    frontier.Push(child.Index);
            }
        }

        return reached >= liveSubscribers;
    }

    /// <summary>Take-overs of the apps whose roots died: rounds the new root is behind the old one, and apps left with no model.</summary>
    private (int Failovers, int RoundsLost, int ModelsLost) FailoverOutcome(Dictionary<NodeId, int> oldRounds)
    {
        int failovers = 0, roundsLost = 0, modelsLost = 0;
        foreach ((NodeId app, int oldRound) in oldRounds)
        {
            if (_recorder.Takeovers.TryGetValue(app, out (int Round, Payload? Checkpoint) takeover))
            {
                failovers++;
                roundsLost += Math.Max(0, oldRound - takeover.Round);
                if (takeover.Checkpoint is null && oldRound > 0)
                    modelsLost++;
            }
            else if (oldRound > 0)
            {
                modelsLost++; // nobody resumed the app: its model is gone
            }
        }

        return (failovers, roundsLost, modelsLost);
    }

    /// <summary>Each hit tree's (new) root broadcasts once more; counts live subscribers reached against those expected.</summary>
    private (int Delivered, int Expected) RoundAfterRepair(ForestScenario.AppRun[] hit, Action<SimProgress>? progress)
    {
        SimWorld world = _forest.World;
        _recorder.Deliveries.Clear();
        int expected = 0;
        var rounds = new Dictionary<NodeId, int>();
        foreach (ForestScenario.AppRun app in hit)
        {
            expected += app.Subscribers.Count(world.IsAlive);
            int root = _forest.Overlay.Oracle.Closest(app.Id);
            if (!_forest.Node(root).IsRootOf(app.Id))
                continue;
            world.Enter(root);
            rounds[app.Id] = _forest.Node(root).Broadcast(app.Id, Payload.SizeOnly(1024, 1));
        }

        long deadline = world.Now + 30_000_000;
        while (world.Now < deadline && _recorder.Deliveries.Count(d => rounds.TryGetValue(d.App, out int r) && r == d.Round) < expected)
        {
            world.RunUntil(world.Now + CheckMicros);
            progress?.Invoke(new SimProgress("round after repair", _recorder.Deliveries.Count, expected));
        }

        return (_recorder.Deliveries.Count(d => rounds.TryGetValue(d.App, out int r) && r == d.Round && world.IsAlive(d.Node)), expected);
    }

    /// <summary>Hears take-overs and deliveries through the forest scenario's learner seam.</summary>
    private sealed class Recorder : IForestApp
    {
        public SimWorld? World { get; set; }

        public Dictionary<NodeId, (int Round, Payload? Checkpoint)> Takeovers { get; } = [];

        public HashSet<(int Node, NodeId App, int Round)> Deliveries { get; } = [];

        public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload) => Deliveries.Add((World!.Current, app, round));

        public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
        {
        }

        public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint) => Takeovers[app] = (round, checkpoint);
    }
}
