using Totoro.Core.Forest;
using Totoro.Core.Planning;
using Totoro.Core.Runtime;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Watches the planners of a training run and scores the live tree flows on the TRUE link parameters
/// (<see cref="LiveFlowGame"/>): at every move, whether the mover's true cost fell (the weighted potential falls by
/// exactly its bytes times that); at the end, the Nash gap by brute force over every player's strategies. An
/// observer only: it reads the nodes' tree state and planners' choices, and no node reads anything from it.
/// </summary>
public sealed class LivePlanningAudit(ForestScenario forest, PlanningOptions options, long modelBytes)
{
    private readonly LiveFlowGame _game = new(forest.World.Links);
    private readonly List<(long At, double Before, double After, double Believed)> _moveCosts = [];
    private const long RefreshMicros = 1_000_000;

    private IReadOnlyList<NodeId> _apps = [];
    private readonly HashSet<NodeId> _ended = [];
    private readonly Dictionary<NodeId, AppScore> _scores = [];
    private readonly Dictionary<NodeId, long> _scoredAt = [];
    private AppScore[]? _allLive; // every app's players scored together as the first app's last round began
    private readonly List<GapPoint> _curve = []; // every app's players together every CurveEveryRounds rounds, then as _allLive
    private int _nextCurveRound;
    private List<LiveFlowGame.Flow>? _flows;
    private readonly Dictionary<(NodeId App, int Child), (LiveFlowGame.Flow Up, LiveFlowGame.Flow Down)> _idle = []; // of the last profile
    private readonly Dictionary<(NodeId App, int Child), LiveFlowGame.Flow> _liveUp = []; // each live edge's update up, of the last profile
    private long _loadedAt;
    private int _routeMoves;
    private int _parentMoves;

    /// <summary>
    /// Every app's players are scored together each time the slowest app has completed this many more rounds, while no
    /// app has ended (0: only as the first app's last round begins): the gap's course, and from which round on it stays
    /// within ε, so that a run's end is not the only moment read.
    /// </summary>
    public int CurveEveryRounds { get; set; } = 10;

    /// <summary>When each app's players were scored (world µs): as its training ended; for tests.</summary>
    public IReadOnlyDictionary<NodeId, long> ScoredAt => _scoredAt;

    /// <summary>Potential falls recorded at each move (before, after), in move order; for tests.</summary>
    public IReadOnlyList<(long At, double Before, double After, double Believed)> MoveCosts => _moveCosts;

    /// <summary>Subscribes to every node's planner. Call once the trees exist.</summary>
    public void Attach(IReadOnlyList<NodeId> apps)
    {
        _apps = apps;
        for (int i = 0; i < forest.World.NodeCount; i++)
        {
            if (forest.Node(i).Planning is { } router)
                router.Moved = OnMove;
        }
    }

    private void OnMove(FlowMove move)
    {
        if (move.ParentMove)
            _parentMoves++;
        else
            _routeMoves++;

        // The profile is rebuilt from the nodes' state once per simulated second and kept up to date with the moves
        // in between (a parent move takes effect at once here, a round trip before the tree has it).
        if (_flows is null || forest.World.Now - _loadedAt >= RefreshMicros)
        {
            _flows = Profile(out _);
            _game.Load(_flows);
            _loadedAt = forest.World.Now;
        }

        int owner = move.Owner.Index;
        if (move.ParentMove)
        {
            int oldParent = move.From.Via.Index, newParent = move.To.Via.Index;
            int upAt = _flows.FindIndex(f => f.From == owner && f.To == oldParent);
            int downAt = _flows.FindIndex(f => f.From == oldParent && f.To == owner);
            if (upAt < 0 || downAt < 0)
                return; // the edge is gone already (a repair moved the child)
            LiveFlowGame.Flow up = _flows[upAt], down = _flows[downAt];
            LiveFlowGame.Flow newUp = up with { To = newParent, Via = -1 }, newDown = down with { From = newParent, Via = -1 };
            double before = _game.Cost(up) + _game.Cost(down);
            double after = CostOfBoth(move.App, up, down, newUp, newDown);
            _moveCosts.Add((forest.World.Now, before, after, move.BelievedGain));
            Replace(upAt, newUp);
            Replace(downAt, newDown);
        }
        else
        {
            int to = move.Peer.Index; // the owner sends: the child its update, the parent its model
            int at = _flows.FindIndex(f => f.From == owner && f.To == to);
            if (at < 0)
                return; // the flow is not in the tree any more (its child left in the meantime)
            LiveFlowGame.Flow current = _flows[at];
            LiveFlowGame.Flow moved = current with { Via = Via(move.To) };
            _moveCosts.Add((forest.World.Now, _game.Cost(current), _game.CostInstead(current, moved), move.BelievedGain));
            Replace(at, moved);
        }
    }

    private void Replace(int at, LiveFlowGame.Flow flow)
    {
        _game.Add(_flows![at], -1);
        _game.Add(flow, 1);
        _flows[at] = flow;
    }

    /// <summary>
    /// The child's two flows' cost under the new parent (<paramref name="newUp"/>'s far end), the others as they are. A
    /// new parent whose own edge is idle (no worker below it, so no round came down to it) carries the app's rounds again
    /// once a worker is below it: its edges up to the first one that carries rounds load their links too, each with a
    /// round's bytes (the model in, as the child's own model; an update out, the aggregate of the child's, as large), as
    /// the node's own report for the app counts them (<see cref="TransferLedger.OwnFor"/>). The bytes of the idle edge's
    /// last transfers were the wrong measure: an idle node's last update up was an empty answer of a few bytes, and the
    /// oracle priced a move under it a model's transfer over its uplink cheaper than it is (the largest gaps where no app
    /// ends, docs/planning.md I.7).
    /// </summary>
    private double CostOfBoth(NodeId app, LiveFlowGame.Flow up, LiveFlowGame.Flow down, LiveFlowGame.Flow newUp, LiveFlowGame.Flow newDown)
    {
        List<LiveFlowGame.Flow> revived = Revived(app, newUp.To, newUp.Bytes, newDown.Bytes);
        _game.Add(up, -1);
        _game.Add(down, -1);
        _game.Add(newUp, 1);
        _game.Add(newDown, 1);
        foreach (LiveFlowGame.Flow flow in revived)
            _game.Add(flow, 1);
        double cost = _game.Cost(newUp) + _game.Cost(newDown);
        foreach (LiveFlowGame.Flow flow in revived)
            _game.Add(flow, -1);
        _game.Add(newUp, -1);
        _game.Add(newDown, -1);
        _game.Add(up, 1);
        _game.Add(down, 1);
        return cost;
    }

    /// <summary>
    /// What a mover under <paramref name="node"/> adds above it beyond its own two flows: the idle edges from the node up
    /// to the first that carries the app's rounds, as flows of a round's bytes; then, from there up, every edge whose
    /// update is an empty answer (no worker below it yet), by the bytes it grows to with the mover's aggregate in it.
    /// Both revive with the mover and fall back when it leaves; a node's answer to a probe prices the first of them
    /// (<see cref="TransferLedger.OwnFor"/>). Without the second, such a candidate was priced a model over its uplink
    /// cheaper than it is, by the nodes and by this audit alike, and children swapped between two parents for good
    /// (docs/planning.md I.7).
    /// </summary>
    private List<LiveFlowGame.Flow> Revived(NodeId app, int node, long upBytes, long downBytes)
    {
        var revived = new List<LiveFlowGame.Flow>();
        int hops = 0;
        for (; hops < 256 && _idle.TryGetValue((app, node), out var edge); hops++)
        {
            revived.Add(edge.Up with { Bytes = upBytes });
            revived.Add(edge.Down with { Bytes = downBytes });
            node = edge.Up.To;
        }

        for (; hops < 256 && _liveUp.TryGetValue((app, node), out LiveFlowGame.Flow up) && up.Bytes < TransferLedger.BulkBytes && up.Bytes < upBytes; hops++)
        {
            revived.Add(up with { Bytes = upBytes - up.Bytes });
            node = up.To;
        }

        return revived;
    }

    private static (LiveFlowGame.Flow Up, LiveFlowGame.Flow Down) ChildFlows(List<LiveFlowGame.Flow> flows, NodeId app, int child, int parent)
    {
        LiveFlowGame.Flow up = flows.FirstOrDefault(f => f.From == child && f.To == parent);
        LiveFlowGame.Flow down = flows.FirstOrDefault(f => f.From == parent && f.To == child);
        return (up, down);
    }

    private static int Via(FlowStrategy strategy) => strategy.IsDirect ? -1 : strategy.Via.Index;

    /// <summary>
    /// Every live tree flow now: per tree edge of an app still training that carries its rounds, the update up and the
    /// model down, each with its owner's route. An app whose training ended moves no bytes, so its flows load no link
    /// (<paramref name="apps"/>: these apps' flows instead, ended or not). An edge whose child took neither of the app's
    /// last two rounds (from this parent or, before it moved, another) carries none: the selectors above send no round
    /// down a branch without a worker, and a forwarder whose workers all moved away stays in the tree. Counted, it loaded
    /// its parent's links with a model and an update a round that never moved (a parent read at 1,019 kB a round up
    /// where 611 kB moved, which its children's planners priced right), and its child was scored on flows that did not
    /// run (docs/planning.md I.4).
    /// </summary>
    private List<LiveFlowGame.Flow> Profile(out List<(NodeId App, int Child, int Parent)> edges, IEnumerable<NodeId>? apps = null)
    {
        var flows = new List<LiveFlowGame.Flow>();
        edges = [];
        _idle.Clear();
        _liveUp.Clear();
        NodeId[] scored = [.. apps ?? _apps.Where(a => !_ended.Contains(a))];
        int[] latest = [.. scored.Select(LatestRound)];
        for (int i = 0; i < forest.World.NodeCount; i++)
        {
            if (!forest.World.IsAlive(i))
                continue;
            ForestNode node = forest.Node(i);
            for (int a = 0; a < scored.Length; a++)
            {
                NodeId app = scored[a];
                if (!node.TryGetTree(app, out TreeInfo info) || info.IsRoot || info.Parent.IsNone || !forest.World.IsAlive(info.Parent.Index))
                    continue;
                PeerHandle parent = info.Parent;
                ForestNode above = forest.Node(parent.Index);
                int carried = node.Planning?.Ledger.LastRoundAsChild(app) ?? -1;
                if (carried >= 0 && carried < latest[a] - 1)
                {
                    // Idle: neither of the app's last two rounds came down to the child (one that took none yet counts).
                    _idle[(app, i)] = (new LiveFlowGame.Flow(i, parent.Index, -1, BytesOf(node, app, FlowDirection.Up, parent)), new LiveFlowGame.Flow(parent.Index, i, -1, BytesOf(above, app, FlowDirection.Down, new PeerHandle(i))));
                    continue;
                }
                FlowStrategy up = node.Planning?.StrategyOf(app, FlowDirection.Up, parent) ?? FlowStrategy.Direct;
                FlowStrategy down = above.Planning?.StrategyOf(app, FlowDirection.Down, new PeerHandle(i)) ?? FlowStrategy.Direct;
                flows.Add(_liveUp[(app, i)] = new LiveFlowGame.Flow(i, parent.Index, Via(up), BytesOf(node, app, FlowDirection.Up, parent)));
                flows.Add(new LiveFlowGame.Flow(parent.Index, i, Via(down), BytesOf(above, app, FlowDirection.Down, new PeerHandle(i))));
                edges.Add((app, i, parent.Index));
            }
        }

        return flows;
    }

    /// <summary>What a mover with these bytes adds above <paramref name="node"/> on the app's edges as they are now (<see cref="Revived"/>); for tests.</summary>
    internal IReadOnlyList<LiveFlowGame.Flow> AddedUnder(NodeId app, int node, long upBytes, long downBytes)
    {
        Profile(out _, [app]);
        return Revived(app, node, upBytes, downBytes);
    }

    /// <summary>The tree edges of <paramref name="app"/> whose flows the oracle counts now (its training ended or not); for tests.</summary>
    internal IReadOnlyList<(NodeId App, int Child, int Parent)> LiveEdges(NodeId app)
    {
        Profile(out var edges, [app]);
        return edges;
    }

    /// <summary>The latest round of the app any node carried (-1: none yet, or no node's planner keeps a ledger).</summary>
    private int LatestRound(NodeId app)
    {
        int latest = -1;
        for (int i = 0; i < forest.World.NodeCount; i++)
        {
            if (forest.World.IsAlive(i) && forest.Node(i).Planning is { } router)
                latest = Math.Max(latest, router.Ledger.LatestRoundOf(app));
        }

        return latest;
    }

    /// <summary>A flow's bytes per round: what its sender's last transfer carried (an empty answer is small), else the model's.</summary>
    private long BytesOf(ForestNode sender, NodeId app, FlowDirection direction, PeerHandle peer)
        => sender.Planning?.BytesOf(app, direction, peer) is > 0 and long bytes ? bytes : modelBytes;

    /// <summary>
    /// The app's training ended (its last round closed): its players are scored now, on the flows live at this moment
    /// (its own and those of the apps still training), and from now on its flows load no link. Scored at the end of the
    /// whole run instead, the players of an app that finished a minute earlier were frozen mid-game against loads that
    /// had moved on since, and their flows, which no longer ran, still loaded the others' links (docs/planning.md I.4).
    /// Called by the scenario, an observer of the masters, once per app; the first call counts.
    /// </summary>
    public void AppEnded(NodeId app)
    {
        if (_ended.Contains(app) || !_apps.Contains(app))
            return;
        _scores[app] = Score(app);
        _scoredAt[app] = forest.World.Now;
        _ended.Add(app);
        _flows = null; // the move audit's profile is rebuilt without the app's flows
    }

    /// <summary>
    /// The first app's last round began: every app's players are scored together now, on one profile with every app's
    /// flows, where only the players moved (no app ended, and no node has let an ending app's flows drop out of its
    /// reports yet). Scored as the first app ended instead, its flows counted in the profile while the nodes had already
    /// dropped them, a round after its last one passed, and players near its nodes looked misled. Called by the
    /// scenario, an observer of the masters; the first call counts.
    /// </summary>
    public void LastRoundBegan(int slowestRounds, long trainingMicros)
    {
        if (_allLive is not null || _ended.Count > 0)
            return;
        _allLive = [.. _apps.Select(Score)];
        _curve.Add(Point(_allLive, slowestRounds, trainingMicros));
        _flows = null; // scoring loaded the game with its own profile: the move audit's is rebuilt
    }

    /// <summary>
    /// The slowest app has completed <paramref name="slowestRounds"/> rounds, <paramref name="trainingMicros"/> into
    /// training: every app's players are scored together at each multiple of <see cref="CurveEveryRounds"/>, while no
    /// app has ended. Called by the scenario, an observer of the masters.
    /// </summary>
    public void RoundsCompleted(int slowestRounds, long trainingMicros)
    {
        if (CurveEveryRounds <= 0 || _allLive is not null || _ended.Count > 0 || slowestRounds < Math.Max(_nextCurveRound, CurveEveryRounds))
            return;
        _curve.Add(Point([.. _apps.Select(Score)], slowestRounds, trainingMicros));
        _nextCurveRound = ((slowestRounds / CurveEveryRounds) + 1) * CurveEveryRounds;
        _flows = null;
    }

    private GapPoint Point(AppScore[] scores, int slowestRounds, long trainingMicros)
    {
        var all = scores.SelectMany(s => s.RouteGaps.Concat(s.ParentGaps)).ToList();
        return new GapPoint(
            slowestRounds,
            Math.Round(trainingMicros / 1e6, 1),
            scores.Sum(s => s.ParentGaps.Count(g => g > options.Epsilon)),
            Math.Round(all.Count == 0 ? 0 : all.Max(), 4),
            scores.Sum(s => s.SeeingGain));
    }

    /// <summary>
    /// The first scoring from which none, the all-live one included, has a parent player above ε (null: the last still
    /// has one, or nothing was scored).
    /// </summary>
    private GapPoint? WithinEpsilonSince()
    {
        GapPoint? since = null;
        foreach (GapPoint point in _curve)
            since = point.ParentPlayersAboveEpsilon > 0 ? null : since ?? point;
        return since;
    }

    /// <summary>The gaps of one app's players on the true costs of the flows live now (the app's own among them).</summary>
    private AppScore Score(NodeId scoredApp)
    {
        List<LiveFlowGame.Flow> flows = Profile(out var edges, _apps.Where(a => a == scoredApp || !_ended.Contains(a)));
        _game.Load(flows);
        var routeGaps = new List<double>();

        // Route players: each flow's owner, over direct and its relays. The profile holds each edge's two flows in the
        // edge's order (up, then down), so the app's own are found by their edge, not by their ends (two apps may share a pair).
        for (int e = 0; e < edges.Count; e++)
        {
            if (edges[e].App != scoredApp)
                continue;
            foreach (LiveFlowGame.Flow flow in (ReadOnlySpan<LiveFlowGame.Flow>)[flows[2 * e], flows[(2 * e) + 1]])
            {
                double cost = _game.Cost(flow);
                double best = cost;
                foreach (int via in Alternatives(flow))
                    best = Math.Min(best, _game.CostInstead(flow, flow with { Via = via }));
                routeGaps.Add(cost > 0 ? (cost - best) / cost : 0);
            }
        }

        // Parent players: each child, over its parent candidates (both of its flows move, direct).
        var parentGaps = new List<double>();
        var levelOnceGaps = new List<double>();
        int seeingGain = 0;
        foreach ((NodeId app, int child, int parent) in edges)
        {
            if (app != scoredApp)
                continue;
            forest.World.Enter(child);
            PeerHandle[] candidates = forest.Node(child).Planning is null ? [] : forest.Node(child).ParentCandidatesOf(app);
            if (candidates.Length == 0)
                continue;
            (LiveFlowGame.Flow up, LiveFlowGame.Flow down) = ChildFlows(flows, app, child, parent);
            double cost = _game.Cost(up) + _game.Cost(down);
            double best = cost, bestLevelOnce = cost;
            int depth = TrueDepth(app, child);
            double subtree = SubtreeWeight(app, child);
            foreach (PeerHandle p in candidates)
            {
                if (!forest.World.IsAlive(p.Index))
                    continue;
                double both = CostOfBoth(app, up, down, up with { To = p.Index, Via = -1 }, down with { From = p.Index, Via = -1 });
                double hop = ExtraHop(app, p.Index, depth, up.Bytes, down.Bytes);
                best = Math.Min(best, both + (subtree * hop));
                bestLevelOnce = Math.Min(bestLevelOnce, both + hop);
            }

            double gap = cost > 0 ? (cost - best) / cost : 0;
            parentGaps.Add(gap);
            levelOnceGaps.Add(cost > 0 ? (cost - bestLevelOnce) / cost : 0);
            if (gap > options.Epsilon && SeesGain(app, child, parent, up.Bytes, down.Bytes, candidates))
                seeingGain++;
        }

        return new AppScore(routeGaps, parentGaps, seeingGain, levelOnceGaps);
    }

    /// <summary>
    /// How many times a sibling's extra level counts in the child's cost: once for its own model and update, and
    /// <see cref="LearningFlowPlanner.SubtreeHopWeight"/> more per child of its own, whose models and updates take it too.
    /// The planners play this game (the weight is part of the player's cost, chosen to keep the uniform world's trees
    /// shallow, docs/planning.md I.3); scored with the level once, the oracle scored another game than the one played,
    /// and where no app ends its gap above ε was that term alone (I.7). The level itself is priced on the true parameters.
    /// </summary>
    private double SubtreeWeight(NodeId app, int child)
        => LearningFlowPlanner.LevelWeight(forest.Node(child).TryGetTree(app, out TreeInfo info) ? info.Children.Length : 0);

    /// <summary>
    /// One app's players scored when its training ended: route players' gaps, parent players' gaps, how many of those
    /// above ε see the gain, and the parent players' gaps with a sibling's level counted once (the mover's own only).
    /// </summary>
    private sealed record AppScore(List<double> RouteGaps, List<double> ParentGaps, int SeeingGain, List<double> LevelOnceGaps);

    /// <summary>
    /// The section at the end of the run: every app's players as scored when its training ended (an app still training,
    /// the run stopped first: scored now); the flows and the potential are every app's last flows together.
    /// </summary>
    public LivePlanningSection Section(LearningSection learning)
    {
        AppScore[] scores = [.. _apps.Select(a => _scores.TryGetValue(a, out AppScore? score) ? score : Score(a))];
        var gaps = scores.SelectMany(s => s.RouteGaps).ToList();
        var parentGaps = scores.SelectMany(s => s.ParentGaps).ToList();
        var levelOnceGaps = scores.SelectMany(s => s.LevelOnceGaps).ToList();
        int seeingGain = scores.Sum(s => s.SeeingGain);
        gaps.AddRange(parentGaps);
        List<LiveFlowGame.Flow> flows = Profile(out _, _apps);
        _game.Load(flows);
        long acks = 0, lost = 0, refusals = 0, notices = 0;
        for (int i = 0; i < forest.World.NodeCount; i++)
        {
            notices += forest.Node(i).LoadNotices;
            if (forest.Node(i).Planning is { } router)
            {
                acks += router.Ledger.Slot - router.Ledger.Lost;
                lost += router.Ledger.Lost;
                refusals += router.Refusals;
            }
        }

        var allLive = _allLive?.SelectMany(s => s.RouteGaps.Concat(s.ParentGaps)).ToList() ?? [];
        GapPoint? withinEpsilon = WithinEpsilonSince();
        var allLiveParents = _allLive?.SelectMany(s => s.ParentGaps).ToList() ?? [];
        return new LivePlanningSection(
            options.Planner,
            options.Epsilon,
            "live forest: tree flows of every app during training",
            Players: gaps.Count,
            Flows: flows.Count,
            RelayedFlows: flows.Count(f => f.Via >= 0),
            Moves: _routeMoves + _parentMoves,
            RouteMoves: _routeMoves,
            ParentMoves: _parentMoves,
            MovesLoweringPotential: _moveCosts.Count(m => m.After < m.Before),
            Acks: acks,
            LostTransfers: lost,
            MeanRoundSeconds: learning.MeanRoundSeconds,
            NashGap: Math.Round(gaps.Count == 0 ? 0 : gaps.Max(), 4),
            MeanNashGap: Math.Round(gaps.Count == 0 ? 0 : gaps.Average(), 4),
            PlayersAboveEpsilon: gaps.Count(g => g > options.Epsilon),
            NashGapP90: Quantile(gaps, 0.9),
            NashGapP99: Quantile(gaps, 0.99),
            ParentPlayers: parentGaps.Count,
            ParentMeanNashGap: Math.Round(parentGaps.Count == 0 ? 0 : parentGaps.Average(), 4),
            ParentPlayersAboveEpsilon: parentGaps.Count(g => g > options.Epsilon),
            Potential: Math.Round(_game.Potential(flows) / 1e6, 1),
            RoundSeconds: [.. learning.PerApp.Select(a => a.RoundSeconds)],
            ParentPlayersSeeingGain: seeingGain,
            MoveRefusals: refusals,
            LoadNotices: notices,
            ParentPlayersAboveEpsilonLevelOnce: levelOnceGaps.Count(g => g > options.Epsilon),
            ParentNashGapLevelOnce: Math.Round(levelOnceGaps.Count == 0 ? 0 : levelOnceGaps.Max(), 4),
            AllLiveParentPlayers: allLiveParents.Count,
            AllLiveParentPlayersAboveEpsilon: allLiveParents.Count(g => g > options.Epsilon),
            AllLiveNashGap: Math.Round(allLive.Count == 0 ? 0 : allLive.Max(), 4),
            AllLiveNashGapP99: Quantile(allLive, 0.99),
            AllLiveParentPlayersSeeingGain: _allLive?.Sum(s => s.SeeingGain) ?? 0,
            AllLiveParentPlayersAboveEpsilonLevelOnce: _allLive?.Sum(s => s.LevelOnceGaps.Count(g => g > options.Epsilon)) ?? 0,
            RoundsToEpsilon: withinEpsilon?.Round ?? -1,
            SecondsToEpsilon: withinEpsilon?.Seconds ?? -1,
            GapCurve: [.. _curve]);
    }

    /// <summary>
    /// Whether the child's own planner, asked now on its node's estimates (the ledger it decides from, read here and
    /// changed in nothing) with its candidates' load reports as they would answer its next probe, sees a candidate
    /// better by more than it moves for (<see cref="PlanningOptions.MoveThreshold"/>): a player above ε on the true costs
    /// that its node sees at its next decision has just not moved yet; one it does not see is above ε through its
    /// estimates. (With the reports as last heard, up to a decision period old, a candidate that an ending app had just
    /// freed still looked busy, and the player counted as misled. A report is read at this moment, as a probe moves a
    /// ledger's clock on first, without moving it: <see cref="TransferLedger.OwnForAt"/>.)
    /// </summary>
    private bool SeesGain(NodeId app, int child, int parent, long upBytes, long downBytes, PeerHandle[] candidates)
    {
        ForestNode node = forest.Node(child);
        if (node.Planning is not { } router)
            return false;
        int children = node.TryGetTree(app, out TreeInfo info) ? info.Children.Length : 0;
        PeerHandle[] siblings = node.SiblingCandidatesOf(app);
        var query = new ParentQuery(app, new PeerHandle(parent), upBytes, downBytes, candidates, siblings, children, node.SiblingHopsOf(app, siblings));
        long now = forest.World.Now;
        var probed = new ProbedObservations(router.Ledger, peer => forest.World.IsAlive(peer.Index) ? forest.Node(peer.Index).Planning?.Ledger.OwnForAt(app, now) : null);
        router.Planner.Parent(query, probed, out double gain);
        return gain > options.MoveThreshold;
    }

    /// <summary>
    /// What moving under <paramref name="candidate"/> adds beyond the two flows: when it is as deep as the child (a
    /// sibling), the child's place is a level deeper. The model reaches it one store-and-forward hop later, the hop from
    /// the candidate's parent into the candidate (propagation, then the model over the candidate's downlink), and its
    /// update reaches that parent one hop later, inside the candidate's aggregate (propagation, then the update over the
    /// candidate's uplink). A move up or sideways adds no level. The same term the planner prices from its estimates
    /// (FlowCosts.Parent, docs/planning.md I.3). Until session 19 both counted the hop down only, and the game's trees,
    /// a level deeper than `bandit`'s where a sibling's links were idle, made its rounds 1–7 % slower than `bandit`'s
    /// once converged (I.6).
    /// </summary>
    private double ExtraHop(NodeId app, int candidate, int childDepth, long updateBytes, long modelBytes)
    {
        if (TrueDepth(app, candidate) < childDepth || !forest.Node(candidate).TryGetTree(app, out TreeInfo info) || info.Parent.IsNone)
            return 0;
        var links = forest.World.Links;
        return (2 * links.OneWayMicros(info.Parent.Index, candidate)) + (modelBytes / links.DownlinkBytesPerMicro(candidate)) + (updateBytes / links.UplinkBytesPerMicro(candidate));
    }

    /// <summary>Hops from the app's root by the nodes' parent pointers now (int.MaxValue: detached, or a loop).</summary>
    private int TrueDepth(NodeId app, int node)
    {
        for (int depth = 0; depth < 256; depth++)
        {
            if (!forest.Node(node).TryGetTree(app, out TreeInfo info))
                return int.MaxValue;
            if (info.IsRoot)
                return depth;
            if (info.Parent.IsNone)
                return int.MaxValue;
            node = info.Parent.Index;
        }

        return int.MaxValue;
    }

    /// <summary>The q-quantile of the gaps (nearest rank), 0 for none.</summary>
    private static double Quantile(List<double> gaps, double q)
    {
        if (gaps.Count == 0)
            return 0;
        double[] sorted = [.. gaps.Order()];
        return Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)], 4);
    }

    /// <summary>The owner's alternatives for a flow: direct and each relay it weighs (not the flow's own ends).</summary>
    private IEnumerable<int> Alternatives(LiveFlowGame.Flow flow)
    {
        yield return -1;
        ForestNode owner = forest.Node(flow.From);
        PeerHandle[] relays = owner.Planning is null ? [.. owner.Overlay.RightLeaves().Take(options.Relays)] : owner.KnownRelays.ToArray();
        foreach (PeerHandle relay in relays)
        {
            if (relay.Index != flow.From && relay.Index != flow.To && forest.World.IsAlive(relay.Index))
                yield return relay.Index;
        }
    }
}
