using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>
/// One node's path planning for the tree flows it owns: the route of every transfer it sends and, as a child, its
/// parent. It keeps each flow's strategy, lets a flow reconsider at most once per (jittered) decision period, counts
/// the moves, and feeds its <see cref="TransferLedger"/> from the acks. The planner sees the ledger only.
/// </summary>
public sealed class FlowRouter
{
    private readonly Dictionary<(NodeId App, FlowDirection Direction, PeerHandle Peer), FlowState> _flows = [];
    private readonly Dictionary<NodeId, long> _parentDecisions = [];

    public FlowRouter(PlanningOptions options)
    {
        Options = options;
        Planner = FlowPlannerKind.Create(options.Planner, options.MoveThreshold);
    }

    public PlanningOptions Options { get; }

    public IFlowPlanner Planner { get; }

    public TransferLedger Ledger { get; } = new();

    public int Moves { get; private set; }

    /// <summary>Called at every accepted move (an observer scoring the run); null costs nothing.</summary>
    public Action<FlowMove>? Moved { get; set; }

    /// <summary>The strategy a flow uses now (direct for a flow never planned).</summary>
    public FlowStrategy StrategyOf(NodeId app, FlowDirection direction, PeerHandle peer)
        => _flows.TryGetValue((app, direction, peer), out FlowState? f) ? f.Strategy : FlowStrategy.Direct;

    /// <summary>The flows this node owns and routes now: (app, direction, far end, strategy, bytes per round).</summary>
    public IEnumerable<(NodeId App, FlowDirection Direction, PeerHandle Peer, FlowStrategy Strategy, long Bytes)> Flows
        => _flows.Select(f => (f.Key.App, f.Key.Direction, f.Key.Peer, f.Value.Strategy, f.Value.Bytes));

    /// <summary>
    /// Where a transfer of <paramref name="bytes"/> to <paramref name="peer"/> goes: the peer itself or a relay. The flow
    /// may first reconsider its strategy (at most once per decision period). Returns the ack token.
    /// </summary>
    public long Route(NodeId app, FlowDirection direction, PeerHandle self, PeerHandle peer, long bytes, int round, long now, ulong random, ReadOnlyMemory<PeerHandle> relays, out PeerHandle via)
    {
        var key = (app, direction, peer);
        if (!_flows.TryGetValue(key, out FlowState? flow))
            _flows[key] = flow = new FlowState { NextDecision = now + Jitter(random) };
        flow.Bytes = bytes;
        if (now >= flow.NextDecision)
        {
            flow.NextDecision = now + Jitter(random);
            FlowStrategy chosen = Planner.Route(new FlowQuery(app, direction, peer, bytes, flow.Strategy, relays), Ledger, out double gain);
            if (chosen != flow.Strategy && !Takes(gain, random))
            {
                flow.NextDecision = now; // it lost the draw: reconsiders at its next transfer
            }
            else if (chosen != flow.Strategy)
            {
                Moves++;
                Moved?.Invoke(new FlowMove(self, app, direction, peer, flow.Strategy, chosen, ParentMove: false, bytes, gain));
                flow.Strategy = chosen;
            }
        }

        via = flow.Strategy.Via;
        Ledger.Carried(app, direction, peer, outgoing: true, bytes, now, round);
        return Ledger.Sent(peer, via, bytes, now);
    }

    /// <summary>
    /// Whether the child's parent choice for the app is due (at most once per jittered decision period; never at the
    /// first call: a new child first learns its links). The caller then asks its candidates for fresh load reports and
    /// decides with <see cref="ChooseParent"/> once they answered.
    /// </summary>
    public bool ParentDecisionDue(NodeId app, long now, ulong random, long parentLoad = -1)
    {
        bool first = !_parentDecisions.TryGetValue(app, out long next);
        bool changed = !first && _decidedOn.TryGetValue(app, out var decided) && now - decided.At >= Options.DecisionPeriodMicros / TriggeredPerPeriod
            && ((parentLoad >= 0 && Math.Abs(parentLoad - decided.Load) > TriggerChange * Math.Max(1, decided.Load)) || _candidatesFreed.Contains(app));
        if (!first && now < next && !changed)
            return false;
        _candidatesFreed.Remove(app);
        _parentDecisions[app] = now + Jitter(random);
        if (parentLoad >= 0)
            _decidedOn[app] = (parentLoad, now);
        return !first;
    }

    /// <summary>
    /// A parent decision is due before its time when the parent's reported load (in the acks of the child's own
    /// transfers) moved by more than this share since the last one: the child's cost changed, so its best response may
    /// have. At most <see cref="TriggeredPerPeriod"/> decisions a period, so the rate stays bounded.
    /// </summary>
    private const double TriggerChange = 0.1;

    private const int TriggeredPerPeriod = 4;

    private readonly Dictionary<NodeId, (long Load, long At)> _decidedOn = [];

    private readonly HashSet<NodeId> _candidatesFreed = [];

    /// <summary>
    /// A candidate this child probed lately says its load fell by much since its answer (an app it served ended, a child
    /// of its left): the child's parent decision is due at its next update, within the same bound as a moved parent load.
    /// Without it a child learned of capacity an ending app freed only at its next scheduled decision, 5–15 s later, and
    /// most of the players above ε at the end saw their gain and had not decided yet (docs/planning.md I.7).
    /// </summary>
    public void CandidateFreed(NodeId app)
    {
        if (_parentDecisions.ContainsKey(app))
            _candidatesFreed.Add(app);
    }

    /// <summary>
    /// A child's parent for the app: its current one, or a candidate that is cheaper by more than the move threshold (ε
    /// less its margin, <see cref="PlanningOptions.MoveThreshold"/>). The caller moves (joins the new parent, leaves the
    /// old); <paramref name="slackMicros"/> is how much more per round the new parent may cost than the child priced it
    /// and the move still gain the threshold, which the new parent checks against the movers it took in since
    /// (<see cref="MoveTaken"/>, <see cref="MoveRefused"/>). The move counts once the new parent takes it.
    /// </summary>
    public PeerHandle ChooseParent(NodeId app, PeerHandle self, PeerHandle current, long upBytes, long downBytes, ReadOnlyMemory<PeerHandle> candidates, ulong random, out long slackMicros, ReadOnlyMemory<PeerHandle> deeper = default, int children = 0, ReadOnlyMemory<long> deeperHops = default)
    {
        slackMicros = 0;
        if (candidates.IsEmpty)
            return current;
        PeerHandle chosen = Planner.Parent(new ParentQuery(app, current, upBytes, downBytes, candidates, deeper, children, deeperHops), Ledger, out double gain);
        if (chosen == current)
            return current;
        if (!Takes(gain, random))
        {
            _parentDecisions[app] = long.MinValue; // due again at once: it probes and decides at its next update, on fresh reports
            return current;
        }

        double currentCost = FlowCosts.Parent(Ledger, current, current, upBytes, downBytes, Planner is LearningFlowPlanner { LoadAware: true });
        slackMicros = (long)Math.Max(0, (gain - Options.MoveThreshold) * currentCost);
        _pendingMoves[app] = new FlowMove(self, app, FlowDirection.Up, current, new FlowStrategy(current), new FlowStrategy(chosen), ParentMove: true, upBytes, gain);
        return chosen;
    }

    private readonly Dictionary<NodeId, FlowMove> _pendingMoves = [];

    /// <summary>The parent a child asked to move to took it in: the move counts now (before the child's tree state changes).</summary>
    public void MoveTaken(NodeId app, PeerHandle parent)
    {
        if (!_pendingMoves.Remove(app, out FlowMove move) || move.To.Via != parent)
            return;
        Moves++;
        Moved?.Invoke(move);
    }

    /// <summary>The parent a child asked to move to turned it away (it took in other movers since the child priced it): the child stays and decides again at once.</summary>
    public void MoveRefused(NodeId app, PeerHandle parent)
    {
        if (!_pendingMoves.TryGetValue(app, out FlowMove move) || move.To.Via != parent)
            return;
        _pendingMoves.Remove(app);
        _parentDecisions[app] = long.MinValue;
        Refusals++;
    }

    /// <summary>Parent moves this node's planner chose and the new parent turned away.</summary>
    public int Refusals { get; private set; }

    /// <summary>The bytes the flow's last transfer carried (0: none sent yet).</summary>
    public long BytesOf(NodeId app, FlowDirection direction, PeerHandle peer)
        => _flows.TryGetValue((app, direction, peer), out FlowState? f) ? f.Bytes : 0;

    /// <summary>A flow ended (the child left, the parent changed): forget its strategy.</summary>
    public void Forget(NodeId app, FlowDirection direction, PeerHandle peer) => _flows.Remove((app, direction, peer));

    /// <summary>
    /// Whether a flow takes the move its planner found: `game` moves with probability <see cref="MoveRate"/> times the
    /// relative gain it believes (at most 1), after the rule of distributed selfish load balancing (Berenbrink et al.),
    /// so that flows deciding on the same report, the children of one parent, do not all move at once onto the same idle
    /// node (herding); `bandit` prices each flow alone, so what the others do never changes its choice, and it always moves.
    /// A flow that saw a gain and lost the draw is not made to wait a whole decision period: it decides again at its next
    /// chance (a parent choice: it probes at its next update and decides at the one after, on fresh reports), as every
    /// player does every round in Berenbrink et al.'s protocol. With a period's wait, players that saw a gain and had not
    /// moved yet made half of the end's Nash gap (docs/planning.md I.6).
    /// The draw is the low bits of the node's random value (the jitter uses the others).
    /// </summary>
    private bool Takes(double gain, ulong random)
        => !Options.RandomizedMoves || Planner is not LearningFlowPlanner { LoadAware: true } || (random & 0x7FF) < MoveRate * gain * 0x800;

    /// <summary>
    /// Moves per unit of believed gain. With 1 (Berenbrink et al.'s rule) the flows converged too slowly for 30 rounds
    /// at a 10 s period (live-planning, slow world, seed 1: mean round 2.28 s against 2.14 s with 2). Since the new
    /// parent turns away a mover whose slack the movers it took in since have eaten (ForestNode.Planning.cs), the draw
    /// no longer has to stop herding alone, and 8 moves a gain of 1/8 at once: slow world, seeds 1–3, parent players
    /// above ε 162 / 224 / 224 against 279 / 295 / 280 with 2 and 154 / 199 / 208 with every move taken, whose rounds
    /// were slower (docs/planning.md I.3).
    /// </summary>
    private const double MoveRate = 8;

    private long Jitter(ulong random)
        => Options.DecisionPeriodMicros / 2 + (long)((random >> 11) * (1.0 / (1UL << 53)) * Options.DecisionPeriodMicros);

    private sealed class FlowState
    {
        public FlowStrategy Strategy;
        public long NextDecision;
        public long Bytes;
    }
}
