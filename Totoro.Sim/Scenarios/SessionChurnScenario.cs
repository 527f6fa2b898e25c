using System.Diagnostics;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Churn;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Session churn on a settled overlay: every node's session is drawn from a distribution (or replayed from a
/// trace); when it ends the node crashes or leaves, and after a downtime a fresh node (new slot, new id) joins
/// through a random live member. Lookups from random live nodes to random keys run throughout; each is judged at
/// the instant it is delivered against the ring of nodes live and joined at that instant. When churn stops the
/// overlay settles and every leaf set is checked against the oracle.
/// </summary>
public sealed class SessionChurnScenario
{
    private const long GraceMicros = 30_000_000;

    /// <summary>Quiet ping periods before leaf sets are checked: enough for the rotating probes to visit every member.</summary>
    public const int SettlePeriodsAfterChurn = 12;
    private const long ProgressStepMicros = 60_000_000;

    private readonly OverlaySimConfig _config;
    private readonly ChurnSimConfig _churn;
    private readonly OverlayScenario _overlay;
    private readonly LiveRing _ring = new();
    private readonly List<int> _live = [];
    private readonly int[] _livePosition;
    private readonly int[] _machineSlot;
    private readonly PriorityQueue<(Action Act, int Slot), (long Time, long Sequence)> _actions = new();
    private readonly HashSet<(int Origin, long Stamp)> _judged = [];
    private ulong _random;
    private long _sequence;
    private int _nextSpare;
    private readonly int _capacity;
    private bool _measuring;

    public SessionChurnScenario(OverlaySimConfig config, ChurnSimConfig churn)
        : this(config, churn, overlay: null)
    {
    }

    /// <summary>
    /// Churn on an overlay built by another scenario (a training run's forest), which must have been made with
    /// <see cref="SpareSlotsFor"/> spare slots for the fresh nodes; null builds a bare Pastry overlay.
    /// </summary>
    public SessionChurnScenario(OverlaySimConfig config, ChurnSimConfig churn, OverlayScenario? overlay)
    {
        IReadOnlyList<string> problems = churn.Validate(config.Nodes, apps: int.MaxValue);
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(churn));
        if (!churn.HasSessionChurn)
            throw new ArgumentException("session churn needs a session distribution or a trace", nameof(churn));
        _config = config;
        _churn = churn;
        _random = SplitMix64.Derive(config.Seed, 0xc4a7);
        int spare = SpareSlotsFor(config.Nodes, churn);
        _overlay = overlay ?? new OverlayScenario(config with { Lookups = 0 }, programFactory: null, spareSlots: spare);
        _capacity = _overlay.World.NodeCount;
        if (_capacity < config.Nodes + spare)
            throw new ArgumentException($"the overlay has {_capacity} slots; churn needs {config.Nodes + spare}", nameof(overlay));
        _nextSpare = config.Nodes;
        _livePosition = new int[_capacity];
        Array.Fill(_livePosition, -1);
        _machineSlot = Enumerable.Range(0, config.Nodes).ToArray();
        _overlay.LookupDelivered = OnLookupDelivered;
    }

    /// <summary>Slots for the fresh nodes churn brings in: one per trace join, or three times the expected departures plus 64.</summary>
    public static int SpareSlotsFor(int nodes, ChurnSimConfig churn) => churn.Trace is { } trace
        ? trace.Count(e => e.Kind == ChurnEventKind.Join)
        : (int)Math.Min(50_000_000L - nodes, (long)Math.Ceiling(3.0 * nodes * churn.DurationSeconds / churn.Sessions!.Mean) + 64);

    /// <summary>A node of the live set is about to leave or crash (its slot).</summary>
    public Action<int>? Departing { get; set; }

    /// <summary>How a node leaves gracefully (its slot; the world has entered it); null: its Pastry node leaves the overlay.</summary>
    public Action<int>? LeaveGracefully { get; set; }

    /// <summary>A node finished joining and is live (its slot).</summary>
    public Action<int>? NodeJoined { get; set; }

    /// <summary>A fresh node took a departed node's place: (departed slot, fresh slot), when the fresh one starts joining.</summary>
    public Action<int, int>? Replaced { get; set; }

    /// <summary>When churn stops (world µs), set by <see cref="BeginChurn"/>.</summary>
    public long ChurnEnd { get; private set; }

    public OverlayScenario Overlay => _overlay;

    public SimWorld World => _overlay.World;

    public int Departures { get; private set; }

    public int GracefulLeaves { get; private set; }

    public int Rejoins { get; private set; }

    public int LookupsIssued { get; private set; }

    public int LookupsDelivered { get; private set; }

    public int LookupsCorrect { get; private set; }

    /// <summary>Builds the overlay, runs churn with lookups, lets it settle, and reports (the `churn` section filled in).</summary>
    public SimReport Run(Action<SimProgress>? progress = null)
    {
        var wall = Stopwatch.StartNew();
        _overlay.BuildOverlay(progress);
        _overlay.Settle(_config.SettlePeriods);
        RunChurn(progress);
        int exact = SettleAndCountExact(SettlePeriodsAfterChurn);
        wall.Stop();
        SimReport report = _overlay.Report(wall.Elapsed.TotalSeconds);
        // The overlay judged each delivery against its last snapshot of the ring; under churn the judge is the ring
        // live at the instant of delivery, and a lookup sent again counts once.
        OverlaySection judged = report.Overlay with { Lookups = LookupsIssued, Delivered = LookupsDelivered, Correct = LookupsCorrect };
        return report with { Overlay = judged, Churn = Section(exact) };
    }

    /// <summary>The churn phase: departures, rejoins and lookups for the configured duration, then a grace period for lookups in flight.</summary>
    public void RunChurn(Action<SimProgress>? progress = null)
    {
        BeginChurn();
        long start = World.Now;
        long end = ChurnEnd;
        ScheduleLookups(_config.Lookups);

        _measuring = true;
        long nextProgress = start;
        while (_actions.TryPeek(out _, out (long Time, long Sequence) at) && at.Time <= end)
        {
            World.RunUntil(at.Time);
            _actions.Dequeue().Act.Invoke();
            if (World.Now >= nextProgress)
            {
                progress?.Invoke(new SimProgress("churn", (World.Now - start) / 1_000_000, (end - start) / 1_000_000));
                nextProgress += ProgressStepMicros;
            }
        }

        _actions.Clear();
        World.RunUntil(end + GraceMicros);
        _measuring = false;
    }

    /// <summary>Starts churn now: every live joined node is mid-session; departures (or the trace) are scheduled up to <see cref="ChurnEnd"/>.</summary>
    public void BeginChurn()
    {
        foreach (int node in _overlay.JoinedNodes)
        {
            if (World.IsAlive(node))
                AddLive(node);
        }

        _overlay.Joined = node =>
        {
            if (!World.IsAlive(node))
                return;
            AddLive(node);
            NodeJoined?.Invoke(node);
        };
        long start = World.Now;
        ChurnEnd = start + (long)(_churn.DurationSeconds * 1e6);
        if (_churn.Trace is { } trace)
        {
            foreach (ChurnEvent e in trace)
                Schedule(start + (long)(e.TimeSeconds * 1e6), e.Kind == ChurnEventKind.Join ? JoinMachine : e.Kind == ChurnEventKind.Leave ? LeaveMachine : FailMachine, e.Node);
        }
        else
        {
            foreach (int node in _live.ToArray())
                ScheduleDeparture(node, residual: true); // up when churn starts: mid-session
        }
    }

    /// <summary>
    /// Spreads <paramref name="lookups"/> lookups evenly from now to <see cref="ChurnEnd"/>, or, given an interval,
    /// issues them that far apart (as many as fit before churn ends): a run that stops when its work is done
    /// (training) cannot spread them over a length it does not know.
    /// </summary>
    public void ScheduleLookups(int lookups, long intervalMicros = 0)
    {
        long start = World.Now;
        for (int k = 0; k < lookups; k++)
        {
            long at = intervalMicros > 0 ? start + (long)((k + 0.5) * intervalMicros) : start + (long)((k + 0.5) * (ChurnEnd - start) / lookups);
            if (at > ChurnEnd)
                break;
            Schedule(at, IssueLookup, 0);
        }
    }

    /// <summary>
    /// Runs the world to <paramref name="time"/>, carrying out the churn actions due by then (none after
    /// <see cref="ChurnEnd"/>): how another scenario (training) lets time pass while churn goes on.
    /// </summary>
    public void RunUntil(long time)
    {
        _measuring = true;
        while (_actions.TryPeek(out _, out (long Time, long Sequence) at) && at.Time <= time && at.Time <= ChurnEnd)
        {
            World.RunUntil(at.Time);
            _actions.Dequeue().Act.Invoke();
        }

        World.RunUntil(time);
    }

    /// <summary>Stops churn (actions not yet due are dropped), lets lookups in flight land, stops judging them.</summary>
    public void EndChurn()
    {
        _actions.Clear();
        World.RunUntil(World.Now + GraceMicros);
        _measuring = false;
    }

    /// <summary>Crashes a node outside the session model (a root killed on purpose): it leaves the live set, and nobody replaces it.</summary>
    public void Crash(int slot) => Depart(slot, graceful: false, rejoin: false);


    /// <summary>Runs the given number of leaf-set ping periods without churn; returns how many live nodes have the oracle's leaf set.</summary>
    public int SettleAndCountExact(int periods)
    {
        _overlay.Settle(periods);
        return _overlay.CountExactLeafSets();
    }

    public int LiveNodes => _live.Count;

    /// <summary>The churn section, with <paramref name="exact"/> leaf sets found exact after settling.</summary>
    public ChurnSection Section(int exact) => new(
        Timers: _churn.Timers,
        Model: _churn.Trace is null ? _churn.Sessions!.Name : $"trace:{_churn.TraceName}",
        MeanSessionSeconds: _churn.Sessions?.Mean,
        MeanDowntimeSeconds: _churn.Downtimes?.Mean ?? 0,
        DurationSeconds: _churn.DurationSeconds,
        Departures: Departures,
        GracefulLeaves: GracefulLeaves,
        Rejoins: Rejoins,
        LiveNodesAtEnd: _live.Count,
        LookupsIssued: LookupsIssued,
        LookupsDelivered: LookupsDelivered,
        LookupsCorrect: LookupsCorrect,
        LookupSuccessRate: LookupsIssued == 0 ? 0 : Math.Round((double)LookupsCorrect / LookupsIssued, 6),
        LookupsDroppedAfterRetries: SumOverNodes(n => n.DroppedLookups),
        LookupsResent: SumOverNodes(n => n.LookupsResent),
        LookupsTimedOut: SumOverNodes(n => n.LookupsTimedOut),
        LeafSetsExactAfterSettle: exact,
        LiveNodesAfterSettle: _live.Count);

    private int SumOverNodes(Func<PastryNode, int> count)
    {
        int sum = 0;
        for (int i = 0; i < _nextSpare; i++)
        {
            if (_overlay.Node(i) is { } node)
                sum += count(node);
        }

        return sum;
    }

    // ---- Actions ---------------------------------------------------------------------------------------

    private void Schedule(long time, Action<int> act, int slot)
        => _actions.Enqueue((() => act(slot), slot), (time, _sequence++));

    /// <summary>Schedules the end of a node's session: a fresh session for a joiner, the residual one for a node already up.</summary>
    private void ScheduleDeparture(int slot, bool residual = false)
    {
        ISessionDistribution sessions = _churn.Sessions!;
        double length = residual ? sessions.SampleResidual(ref _random) : sessions.Sample(ref _random);
        Schedule(World.Now + Seconds(length), Depart, slot);
    }

    private void Depart(int slot) => Depart(slot, graceful: SplitMix64.NextDouble(ref _random) < _churn.LeaveFraction, rejoin: true);

    private void Depart(int slot, bool graceful, bool rejoin)
    {
        if (!World.IsAlive(slot))
            return;
        Departing?.Invoke(slot);
        RemoveLive(slot);
        if (graceful && _overlay.Node(slot) is { IsJoined: true } node)
        {
            World.Enter(slot);
            if (LeaveGracefully is { } leave)
                leave(slot);
            else
                node.Leave();
            GracefulLeaves++;
        }

        World.Kill(slot);
        Departures++;
        if (rejoin)
        {
            long downtime = _churn.Downtimes is { } d ? Seconds(d.Sample(ref _random)) : 0;
            Schedule(World.Now + downtime, JoinReplacement, slot);
        }
    }

    /// <summary>A fresh node (the next spare slot, its own id) joins through a random live member; its session starts now.</summary>
    private int JoinFresh()
    {
        if (_nextSpare >= _capacity || _live.Count == 0)
            return -1;
        int slot = _nextSpare++;
        int bootstrap = _live[SplitMix64.NextInt(ref _random, _live.Count)];
        _overlay.JoinNode(slot, new PeerHandle(bootstrap));
        Rejoins++;
        if (_churn.Sessions is not null)
            ScheduleDeparture(slot);
        return slot;
    }

    private void JoinReplacement(int departed)
    {
        int slot = JoinFresh();
        if (slot >= 0)
            Replaced?.Invoke(departed, slot);
    }

    private void JoinMachine(int machine)
    {
        int previous = _machineSlot[machine];
        if (World.IsAlive(previous))
            return; // already up: a trace may repeat a join
        int slot = JoinFresh();
        if (slot < 0)
            return;
        _machineSlot[machine] = slot;
        Replaced?.Invoke(previous, slot); // the machine is back under a new id
    }

    private void LeaveMachine(int machine) => Depart(_machineSlot[machine], graceful: true, rejoin: false);

    private void FailMachine(int machine) => Depart(_machineSlot[machine], graceful: false, rejoin: false);

    private void IssueLookup(int unused)
    {
        if (_live.Count == 0)
            return;
        int origin = _live[SplitMix64.NextInt(ref _random, _live.Count)];
        var key = NodeId.FromRandom(SplitMix64.Next(ref _random), SplitMix64.Next(ref _random));
        World.Enter(origin);
        _overlay.Node(origin)!.Lookup(key);
        LookupsIssued++;
    }

    private void OnLookupDelivered(int at, Message message)
    {
        // A lookup is judged once, at its first delivery, against the ring of that instant.
        if (!_measuring || !_judged.Add((message.Origin.Index, message.Stamp)))
            return;
        LookupsDelivered++;
        if (_ring.Closest(message.Key) == at)
            LookupsCorrect++;
    }

    // ---- The live set ----------------------------------------------------------------------------------

    private void AddLive(int node)
    {
        if (_livePosition[node] >= 0)
            return;
        _livePosition[node] = _live.Count;
        _live.Add(node);
        _ring.Add(World.IdAt(node), node);
    }

    private void RemoveLive(int node)
    {
        int at = _livePosition[node];
        if (at < 0)
            return;
        int last = _live[^1];
        _live[at] = last;
        _livePosition[last] = at;
        _live.RemoveAt(_live.Count - 1);
        _livePosition[node] = -1;
        _ring.Remove(World.IdAt(node), node);
    }

    private static long Seconds(double seconds) => Math.Max(1, (long)Math.Min(seconds * 1e6, 1e15));
}
