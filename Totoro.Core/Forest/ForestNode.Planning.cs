using Totoro.Core.Planning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Path planning of the tree's own flows (docs/planning.md): every model a parent sends a child and every update a
/// child sends its parent goes direct or through one relay, as the node's planner chooses from what its node saw of
/// its own transfers; and a child may move to another parent that makes routing progress towards the app id. With
/// the `static` planner (the default) none of this runs: no acks, no probes, the same messages as plain Scribe.
/// </summary>
public sealed partial class ForestNode
{
    private const int Uncles = 4;

    private FlowRouter? _router;
    private TransferLedger? _ackLedger; // a static node that is asked for acks reports its load from here
    private Dictionary<(NodeId App, FlowDirection Direction, PeerHandle Peer, int Round), long>? _tokens;
    private Dictionary<(NodeId App, PeerHandle Candidate), (int Depth, bool HasRoom, long ParentRoundTrip)>? _candidates; // from probe replies
    private Dictionary<(NodeId App, PeerHandle Peer), long>? _probesSent;
    private Dictionary<(NodeId App, PeerHandle Peer), int>? _reprobes; // probes sent again after one queued, since the last probe
    private const int Reprobes = 3;
    private Dictionary<NodeId, PeerHandle[]>? _uncles; // the grandparent's other children, from its probe reply
    private Dictionary<NodeId, PeerHandle[]>? _siblings; // some of the parent's other children, from its probe reply
    private Dictionary<NodeId, (int Pending, long UpBytes)>? _awaitingReports; // apps whose parent candidates were just asked for fresh reports: answers still out, the update's size
    private Dictionary<NodeId, long>? _downBytes;       // the last model that came down, per app
    private PeerHandle[] _relays = [];
    private long _relaysAt = long.MinValue;

    /// <summary>This node's flow planner (null: static, Pastry's own routes).</summary>
    public FlowRouter? Planning => _router;

    /// <summary>Plans this node's tree flows with <paramref name="options"/> (call before the node runs; static leaves it off).</summary>
    public void UsePlanning(PlanningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _router = options.IsStatic ? null : new FlowRouter(options);
        if (_router is not null)
        {
            _router.Ledger.IsEdge = IsTreeEdge;
            _router.Ledger.SharesHost = _context.SharesFate;
        }
    }

    /// <summary>Whether this node has the tree edge a flow runs on now: updates go up to the parent and come up from children, models the other way.</summary>
    private bool IsTreeEdge(NodeId app, FlowDirection direction, PeerHandle peer, bool outgoing)
        => Tree(app) is { } state && ((direction == FlowDirection.Up) == outgoing ? peer == state.Parent : state.Children.Contains(peer));

    private TransferLedger AckLedger() => _ackLedger ??= new TransferLedger { IsEdge = IsTreeEdge, SharesHost = _context.SharesFate };

    /// <summary>The flag a round's broadcast carries down: the root's last round of training, once known.</summary>
    private static MessageFlags FinalFlag(TreeState state, int round) => round > 0 && state.FinalRound == round ? TreeFlags.FinalRound : MessageFlags.None;

    /// <summary>The root's last round came (at the root: goes) down: this node's load reports drop the app a round later.</summary>
    private void NoteFinalRound(TreeState state, int round)
    {
        state.FinalRound = round;
        (_router?.Ledger ?? _ackLedger)?.FinalRound(state.App.Id, round, _context.Now);
    }

    /// <summary>The relays this node weighs now (the first few of its leaf set, as last refreshed).</summary>
    public ReadOnlyMemory<PeerHandle> KnownRelays => _relays;

    private ReadOnlyMemory<PeerHandle> RefreshRelays(FlowRouter router)
    {
        if (_context.Now - _relaysAt >= router.Options.DecisionPeriodMicros)
        {
            _relaysAt = _context.Now;
            PeerHandle[] right = Overlay.RightLeaves();
            _relays = right.Length > router.Options.Relays ? right[..router.Options.Relays] : right;
        }

        return _relays;
    }

    /// <summary>
    /// The parents this child weighs for an app: the tree nodes it knows that make progress towards the root (its
    /// grandparent, its parent's siblings, Pastry's next hop towards the app id), each only once it answered a probe
    /// with a depth above this node's (so it cannot be in this node's subtree: no loop) and room below the fanout
    /// bound (a full parent would push another child down: not a move of this player alone).
    /// </summary>
    public PeerHandle[] ParentCandidatesOf(NodeId app)
    {
        if (Tree(app) is not { } state || state.IsRoot || state.Parent.IsNone)
            return [];
        var result = new List<PeerHandle>(Uncles + 2);
        foreach (PeerHandle candidate in ProgressCandidates(state))
        {
            if (_candidates is not null && _candidates.TryGetValue((app, candidate), out var seen) && seen.HasRoom && IsAbove(state, candidate, seen.Depth))
                result.Add(candidate);
        }

        return [.. result];
    }

    /// <summary>Sends one tree transfer (a model down, an update up): direct, or through the relay the planner chose.</summary>
    private void SendTreeData(TreeState state, FlowDirection direction, PeerHandle peer, in Message message)
    {
        if (_router is null)
        {
            _context.Send(peer, message);
            return;
        }

        long bytes = message.EncodedSize;
        if (_router.Ledger.Direct(peer).RoundTripMicros == 0)
            Probe(state, peer); // a transfer's time less the round trip is what its bytes took
        long token = _router.Route(state.App.Id, direction, _context.Self, peer, bytes, message.Round, _context.Now, _context.NextRandom(), RefreshRelays(_router), out PeerHandle via);
        _tokens ??= [];
        _tokens[(state.App.Id, direction, peer, message.Round)] = token;
        Message planned = PlanMessages.Planned(message);
        if (via.IsNone)
            SendTimed(_router.Ledger, peer, planned);
        else
            SendTimed(_router.Ledger, via, PlanMessages.ToRelay(planned, _context.Self, peer));
        if (_context.SendBacklogIsTimed)
            _router.Ledger.Left(token, _context.SendBacklogMicros); // FIFO: the transfer leaves when the queue it joined drains
    }

    /// <summary>Sends, and where the world can tell, records how long the message took to leave this node's uplink.</summary>
    private void SendTimed(TransferLedger ledger, PeerHandle to, in Message message)
    {
        if (!_context.SendBacklogIsTimed)
        {
            _context.Send(to, message);
            return;
        }

        long before = _context.SendBacklogMicros;
        _context.Send(to, message);
        ledger.UplinkTimed(message.EncodedSize, _context.SendBacklogMicros - before);
    }

    /// <summary>
    /// A tree transfer whose sender plans: a relay passes it on; the far end acks it to the sender (with its load) and
    /// handles it as if it came straight from the sender. False when this node only relayed it.
    /// </summary>
    private bool OnPlannedArrival(ref PeerHandle from, in Message message)
    {
        var direction = message.Kind == TreeKind.Broadcast ? FlowDirection.Down : FlowDirection.Up;
        TransferLedger ledger = _router?.Ledger ?? AckLedger();
        ledger.Received(_context.Now);
        long gap = message.EncodedSize >= TransferLedger.BulkBytes ? ledger.GapSinceArrival(_context.Now) : long.MaxValue;
        ledger.Arrived(message.EncodedSize, _context.Now, from);
        var relay = new RelayView(in message);
        if (!relay.Destination.IsNone)
        {
            // Relay: carry it one hop on, counted on this node's links like any flow.
            ledger.Carried(message.Key, direction, relay.Sender, outgoing: false, message.EncodedSize, _context.Now, message.Round, relayed: true);
            ledger.Carried(message.Key, direction, relay.Destination, outgoing: true, message.EncodedSize, _context.Now, message.Round, relayed: true);
            SendTimed(ledger, relay.Destination, PlanMessages.FromRelay(message));
            return false;
        }

        if (!relay.Sender.IsNone)
            from = relay.Sender; // relayed: the sender is the origin
        if (direction == FlowDirection.Down)
            (_downBytes ??= [])[message.Key] = message.EncodedSize;
        ledger.Carried(message.Key, direction, from, outgoing: false, message.EncodedSize, _context.Now, message.Round);
        SendTimed(ledger, from, PlanMessages.TransferAck(message.Key, message.Round, direction, ledger.Own, ledger.DownlinkOf(from), QueuedToSendMicros(), gap));
        return true;
    }

    private void OnTreePlan(PeerHandle from, PlanView message)
    {
        long arrivalGap = (_router?.Ledger ?? AckLedger()).Received(_context.Now);
        switch (message.Type)
        {
            case PlanMessages.Ack when _router is not null && _tokens is not null:
                if (_tokens.Remove((message.App, message.Direction, from, message.Round), out long token))
                    _router.Ledger.Acked(token, _context.Now, message.Report, message.AckQueued, message.AckGap);
                _router.Ledger.ToldDownlink(from, message.ToldDownlink);
                break;
            case PlanMessages.MoveRefused when _router is not null:
                _router.MoveRefused(message.App, from);
                break;
            case PlanMessages.LoadFell when _router is not null:
                if (Tree(message.App) is { IsRoot: false } noticed && from != noticed.Parent && !noticed.Children.Contains(from))
                    _router.CandidateFreed(message.App);
                break;
            case PlanMessages.Probe:
                TransferLedger ledger = _router?.Ledger ?? AckLedger();
                ledger.Advance(_context.Now);
                LoadReport own = ledger.OwnFor(message.App); // one pass over the flows for both the note and the answer
                NoteProbeAnswered(message.App, from, own);
                TreeState? state = Tree(message.App);
                bool attached = state is not null && (state.IsRoot || (!state.Parent.IsNone && !state.Detached));
                PeerHandle[]? children = attached && state!.Children.Count is > 0 and <= byte.MaxValue ? [.. state.Children] : null;
                long stamp = message.Stamp + QueuedToSendMicros(); // the reply's wait in this node's queue is not the path's
                PeerHandle parent = attached ? state!.Parent : PeerHandle.None;
                long parentRoundTrip = parent.IsNone ? 0 : (long)ledger.Direct(parent).RoundTripMicros;
                SendTimed(ledger, from, PlanMessages.ProbeReply(message.App, stamp, attached ? AnsweredDepth(state!) : ushort.MaxValue, children, own, Math.Max(1, arrivalGap), parent, parentRoundTrip));
                break;
            case PlanMessages.Reply when _router is not null:
                // A probe or its answer that came in right behind another arrival waited behind a busy downlink: its
                // round trip is an upper bound, and the probe goes again (a few times) until one passes clean.
                bool clean = !TransferLedger.QueuedBehind(message.AckGap) && !TransferLedger.QueuedBehind(arrivalGap);
                _router.Ledger.RoundTrip(from, _context.Now - message.Stamp, clean);
                if (!clean && !_router.Ledger.HasCleanRoundTrip(from) && Tree(message.App) is { } asking && (_reprobes ??= []).GetValueOrDefault((message.App, from)) is int sent && sent < Reprobes)
                {
                    _reprobes[(message.App, from)] = sent + 1;
                    ControlMessages++;
                    _context.Send(from, PlanMessages.ProbeRequest(asking.App.Id, _context.Now + QueuedToSendMicros()));
                }

                if (message.Report is { } report)
                    _router.Ledger.Heard(from, report);
                // The parent's answer names its own parent: the grandparent, the first candidate above this node. The
                // parent's heartbeat tells its children when its parent changes (ForestNode.Repair.cs SetLink), but that is
                // one datagram; before it, a child that joined its parent before the parent had a parent of its own never
                // learned it and weighed only its siblings, staying under a slow parent for good (NetnsPlanningTests,
                // runs-gap.txt). The answer to the probe each decision sends makes a lost heartbeat cost one decision at most.
                if (Tree(message.App) is { } ofMine && from == ofMine.Parent && ofMine.Grandparent != message.Parent && message.Parent != _context.Self)
                    ofMine.Grandparent = message.Parent;
                bool hasRoom = Tree(message.App) is not { } asker || (message.Children?.Length ?? 0) < asker.App.Options.Fanout;
                (_candidates ??= [])[(message.App, from)] = (message.Depth, hasRoom, message.ParentRoundTrip);
                if (Tree(message.App) is { } mine && from == mine.Grandparent && message.Children is { } uncles)
                    (_uncles ??= [])[message.App] = [.. uncles.Where(u => u != _context.Self && u != mine.Parent).Take(Uncles)];
                if (Tree(message.App) is { } child && from == child.Parent && child.Grandparent.IsNone && message.Children is { } siblings)
                    (_siblings ??= [])[message.App] = SomeSiblings(siblings);
                NoteProbeAnswer(message.App);
                break;
        }
    }

    private Dictionary<(NodeId App, PeerHandle Asker), (LoadReport Told, long At)>? _probesAnswered; // the load each asker was last told, and when it asked
    private const int ProbesAnsweredKept = 1024;
    private bool _noticing;
    private List<((NodeId App, PeerHandle Asker) Key, bool Lapsed)>? _noticesDue; // the check's findings, kept between checks (no list per check)

    private void NoteProbeAnswered(NodeId app, PeerHandle asker, LoadReport answered)
    {
        _probesAnswered ??= [];
        if (_probesAnswered.Count >= ProbesAnsweredKept && !_probesAnswered.ContainsKey((app, asker)))
            _probesAnswered.Clear(); // bounded: an asker forgotten is only not checked (a move is taken as before) nor told
        _probesAnswered[(app, asker)] = (answered, _context.Now);
        if (!_noticing && _router?.Planner is LearningFlowPlanner { LoadAware: true })
        {
            _noticing = true;
            _context.SetTimer(_router.Options.DecisionPeriodMicros / NoticeChecksPerPeriod, LoadNoticeTimer);
        }
    }

    private const int LoadNoticeTimer = 111;

    /// <summary>How often a node that answered probes lately compares its load with what it told.</summary>
    private const int NoticeChecksPerPeriod = 8;

    /// <summary>A fall in load (up and down bytes per round) by more than this share of what an asker was told is worth its notice.</summary>
    private const double NoticeFall = 0.1;

    /// <summary>
    /// A load-aware node tells the children of other parents that probed it within the last decision period and a half
    /// (the longest an asker waits for its next decision) when its load fell by much since it answered them: an app it
    /// served ended, a child of its left. Their best response may be this node now; without the notice they learned it
    /// only at their next scheduled decision (<see cref="FlowRouter.CandidateFreed"/>). One notice per fall: the asker's
    /// told load becomes the new one.
    /// </summary>
    private void OnLoadNoticeTimer()
    {
        _noticing = false;
        if (_router is null || _probesAnswered is null || _probesAnswered.Count == 0)
            return;
        long now = _context.Now;
        _router.Ledger.Advance(now);
        LoadReport own = _router.Ledger.Own;
        long load = own.UpBytesPerRound + own.DownBytesPerRound;
        long kept = _router.Options.DecisionPeriodMicros * 3 / 2;
        List<((NodeId App, PeerHandle Asker) Key, bool Lapsed)> due = _noticesDue ??= [];
        due.Clear();
        foreach ((var key, var answered) in _probesAnswered)
        {
            long was = answered.Told.UpBytesPerRound + answered.Told.DownBytesPerRound;
            if (now - answered.At > kept)
                due.Add((key, true));
            else if (was - load > Math.Max(TransferLedger.BulkBytes, NoticeFall * was) && !(Tree(key.App)?.Children.Contains(key.Asker) ?? false))
                due.Add((key, false)); // a child of this node reads the fall in its acks
        }

        foreach ((var key, bool lapsed) in due)
        {
            if (lapsed)
            {
                _probesAnswered.Remove(key);
                continue;
            }

            _probesAnswered[key] = (own, _probesAnswered[key].At);
            ControlMessages++;
            LoadNotices++;
            _context.Send(key.Asker, PlanMessages.LoadFellNotice(key.App));
        }

        if (_probesAnswered.Count > 0)
        {
            _noticing = true;
            _context.SetTimer(_router.Options.DecisionPeriodMicros / NoticeChecksPerPeriod, LoadNoticeTimer);
        }
    }

    /// <summary>Notices this node sent that its load fell (<see cref="PlanMessages.LoadFell"/>).</summary>
    public long LoadNotices { get; private set; }

    /// <summary>
    /// Whether this node turns away a child that a load-aware planner moves here. The child priced this node on the load
    /// of its probe's answer and gains more than its move threshold by <paramref name="slackMicros"/> per round; the
    /// movers this node took in since then (their flows load its reports at once, <see cref="TransferLedger.MovedIn"/>)
    /// cost the child their bytes over this node's links, and when that eats the slack the move gains no more than the
    /// threshold. Without this the children of one parent, deciding on the same reports, moved onto the same idle node
    /// together (herding), which the draw alone held back at the price of slow convergence. The child is told, stays,
    /// and decides again on fresh reports.
    /// </summary>
    private bool RefusesMove(TreeState state, PeerHandle mover, long slackMicros)
    {
        if (state.Children.Contains(mover))
            return false;
        TransferLedger ledger = _router?.Ledger ?? AckLedger();
        ledger.Advance(_context.Now);
        LoadReport now = ledger.OwnFor(state.App.Id);
        if (_probesAnswered is not null && _probesAnswered.Remove((state.App.Id, mover), out var answered) && now.IsKnown
            && AddedMicros(answered.Told, now) > slackMicros)
        {
            ControlMessages++;
            _context.Send(mover, PlanMessages.MoveRefusal(state.App.Id));
            return true;
        }

        ledger.MovedIn(state.App.Id, mover, _context.Now);
        return false;
    }

    /// <summary>What the load added since <paramref name="answered"/> costs a flow through this node per round: the bytes over its downlink and its uplink (µs).</summary>
    private static double AddedMicros(LoadReport answered, LoadReport now)
        => (Math.Max(0, now.DownBytesPerRound - answered.DownBytesPerRound) / FlowCosts.Downlink(now.DownBytesPerMicro, now.UpBytesPerMicro))
            + (Math.Max(0, now.UpBytesPerRound - answered.UpBytesPerRound) / now.UpBytesPerMicro);

    /// <summary>
    /// A child that moved to a new parent may get a round it already took from its old one (and answers there): the
    /// new parent adopted it before starting that round and now waits for it. Answer with nothing, so the round closes.
    /// </summary>
    private void AnswerRepeatAfterMove(TreeState state, PeerHandle from, int round)
    {
        if (from != state.Parent || round != state.Round)
            return;
        if (state.Aggregation is { InFlight: true } open && open.Round == round ? AnswerTarget(state, round) == from : state.AnsweredTo == from && state.AnsweredRound == round)
            return; // its real answer goes (or went) to this parent
        _context.Send(from, TreeMessages.Aggregate(state.App.Id, round, Payload.SizeOnly(0, 0), contributions: 0));
        KeepNextRoundComing(state); // ForestNode.Moves.cs
    }

    /// <summary>
    /// After a child sent its update: probes its parent candidates now and then, and moves to a cheaper parent when
    /// the planner says so (the new parent's ack makes the switch, and the old parent is told to let go).
    /// </summary>
    private void ConsiderParent(TreeState state, long upBytes)
    {
        if (_router is null || state.IsRoot || state.Parent.IsNone || state.Joining || state.Detached)
            return;
        _router.Ledger.Expire(_context.Now);
        if (_awaitingReports is not null && _awaitingReports.Remove(state.App.Id))
        {
            DecideParent(state, upBytes); // an answer did not come: decide on what did
            return;
        }

        // game: a parent whose reported load moved makes the decision due early (bandit prices no load: nothing moved for it).
        long parentLoad = _router.Planner is LearningFlowPlanner { LoadAware: true } && _router.Ledger.Report(state.Parent) is { } heard ? heard.UpBytesPerRound + heard.DownBytesPerRound : -1;
        if (!_router.ParentDecisionDue(state.App.Id, _context.Now, _context.NextRandom(), parentLoad))
            return;
        int probed = 0;
        foreach (PeerHandle candidate in ProgressCandidates(state))
        {
            Probe(state, candidate, force: true);
            probed++;
        }

        Probe(state, state.Parent, force: true);
        (_awaitingReports ??= [])[state.App.Id] = (probed + 1, upBytes);
    }

    /// <summary>
    /// A probe's answer came while the child waits for its candidates' reports: once the last is in, it decides at once
    /// rather than at its next update, a round later (a decision made a round after what set it off missed the end of
    /// its app: the last rounds' changes were never acted on). A move that lands while the old parent's next round is on
    /// its way down loses nothing: that round is taken from the old parent and answered there (ForestNode.Moves.cs).
    /// </summary>
    private void NoteProbeAnswer(NodeId app)
    {
        if (_awaitingReports is null || !_awaitingReports.TryGetValue(app, out var awaiting))
            return;
        if (awaiting.Pending > 1)
        {
            _awaitingReports[app] = (awaiting.Pending - 1, awaiting.UpBytes);
            return;
        }

        _awaitingReports.Remove(app);
        if (Tree(app) is { } state && _router is not null && !state.IsRoot && !state.Parent.IsNone && !state.Joining && !state.Detached)
            DecideParent(state, awaiting.UpBytes);
    }

    /// <summary>The candidates answered (or a round passed): choose on their fresh reports, and move if the planner says so.</summary>
    private void DecideParent(TreeState state, long upBytes)
    {
        FlowRouter router = _router!;
        long downBytes = _downBytes is not null && _downBytes.TryGetValue(state.App.Id, out long down) ? down : upBytes;
        PeerHandle[] siblings = SiblingCandidatesOf(state);
        PeerHandle chosen = router.ChooseParent(state.App.Id, _context.Self, state.Parent, upBytes, downBytes, ParentCandidatesOf(state.App.Id), _context.NextRandom(), out long slack, siblings, state.Children.Count, SiblingHopsOf(state.App.Id, siblings));
        if (chosen == state.Parent)
            return;
        ControlMessages++;
        // Priced on the candidate's load (game): it checks that the movers it took in since leave the gain. bandit prices no load.
        _context.Send(chosen, router.Planner is LearningFlowPlanner { LoadAware: true }
            ? TreeMessages.MoveJoin(state.App.Id, _context.Self, state.App.Options.Fanout, state.Height, state.Round, state.Wire, state.App.Scope, slack)
            : TreeMessages.Join(state.App.Id, _context.Self, state.App.Options.Fanout, state.Height, _context.Now, state.Round, avoid: null, state.Wire, pushedDown: false, state.App.Scope));
    }

    /// <summary>
    /// Whether a candidate at <paramref name="depth"/> cannot be in this node's subtree, so adopting this node closes no
    /// loop: it is nearer the root, or as near and has the larger id. Nodes at one depth only move under larger ids,
    /// so two siblings never move under each other at once.
    /// </summary>
    private bool IsAbove(TreeState state, PeerHandle candidate, int depth)
    {
        int own = DepthOf(state);
        // Just after a move up the last round's depth is stale until the next round comes down: the new parent's answer
        // to its probe says where this node is now (else a sibling taken for a node above, a smaller id weighed).
        if (_candidates is not null && _candidates.TryGetValue((state.App.Id, state.Parent), out var parent) && parent.Depth < ushort.MaxValue)
            own = Math.Min(own, parent.Depth + 1);
        return depth < own || (depth == own && own != ushort.MaxValue && IdOf(candidate).CompareTo(Overlay.Id) > 0);
    }

    /// <summary>The parent candidates at this node's own depth in the app's tree (its siblings), as its planner weighs them.</summary>
    public PeerHandle[] SiblingCandidatesOf(NodeId app) => Tree(app) is { } state ? SiblingCandidatesOf(state) : [];

    /// <summary>The candidates at this node's own depth (its siblings): under one of them the tree gets a level deeper here.</summary>
    private PeerHandle[] SiblingCandidatesOf(TreeState state)
        => _siblings is not null && _siblings.TryGetValue(state.App.Id, out PeerHandle[]? siblings)
            ? [.. siblings.Where(s => _candidates is not null && _candidates.TryGetValue((state.App.Id, s), out var seen) && seen.Depth == DepthOf(state))]
            : [];

    /// <summary>
    /// The one-way time (µs) of each sibling's hop from its parent, as half the round trip it measured and told in its
    /// answer (0: not told): under it, the model takes that hop more. The child's own round trip to the sibling stood in
    /// for it before, and a sibling near its parent and far from the child looked a hop several times too long (a dump
    /// where no app ends: 31 ms priced for an 8 ms hop; docs/planning.md I.7).
    /// </summary>
    public long[] SiblingHopsOf(NodeId app, PeerHandle[] siblings)
    {
        var hops = new long[siblings.Length];
        for (int i = 0; i < siblings.Length; i++)
            hops[i] = _candidates is not null && _candidates.TryGetValue((app, siblings[i]), out var seen) ? seen.ParentRoundTrip / 2 : 0;
        return hops;
    }

    /// <summary>Up to <see cref="Uncles"/> of the parent's other children, from a random place in its list (each decision sees others).</summary>
    private PeerHandle[] SomeSiblings(PeerHandle[] children)
    {
        var others = children.Where(c => c != _context.Self).ToArray();
        if (others.Length <= Uncles)
            return others;
        int start = (int)(_context.NextRandom() % (ulong)others.Length);
        return [.. Enumerable.Range(0, Uncles).Select(i => others[(start + i) % others.Length])];
    }

    /// <summary>Hops from the root, as the last round's broadcast said (the root: 0; never in a round: unknown).</summary>
    /// <summary>
    /// The depth a probe is told: none while this node has moved and no round came down its new path yet. Its last
    /// round's depth is its old place's, and a child of its new parent's ancestors, taking it for a sibling or a node
    /// above, would close a loop (seen: three moves within 0.2 s cut a tree's four subtrees off the root for good).
    /// </summary>
    private static int AnsweredDepth(TreeState state) => state.FormerParent.IsNone ? DepthOf(state) : ushort.MaxValue;

    private static int DepthOf(TreeState state) => state.IsRoot ? 0 : state.Aggregation is { } last ? last.Depth : ushort.MaxValue;

    /// <summary>A probe asks a candidate for its load and its depth in the tree, at most once per decision period (unless forced: a decision is due).</summary>
    private void Probe(TreeState state, PeerHandle candidate, bool force = false)
    {
        _probesSent ??= [];
        if (!force && _probesSent.TryGetValue((state.App.Id, candidate), out long at) && _context.Now - at < _router!.Options.DecisionPeriodMicros)
            return;
        _probesSent[(state.App.Id, candidate)] = _context.Now;
        _reprobes?.Remove((state.App.Id, candidate));
        ControlMessages++;
        _context.Send(candidate, PlanMessages.ProbeRequest(state.App.Id, _context.Now + QueuedToSendMicros()));
    }

    /// <summary>
    /// How long a message sent now waits behind this node's own queued bytes, where the world can time it (else 0).
    /// A probe is stamped with when it leaves, and its answer's stamp moved on by the answer's wait at the far end, so
    /// the round trip measured is the path's, not the two send queues' (which the load terms already price): probes
    /// go out right after a child's update, and their round trips read 30 % long on average, the candidates' 90 %.
    /// </summary>
    private long QueuedToSendMicros() => _context.SendBacklogIsTimed ? _context.SendBacklogMicros : 0;

    /// <summary>
    /// The nodes this child knows that may sit closer to the root: its grandparent, its parent's siblings and Pastry's
    /// next hop towards the app id; never itself, its parent or one of its children.
    /// </summary>
    private IEnumerable<PeerHandle> ProgressCandidates(TreeState state)
    {
        PeerHandle[] uncles = _uncles is not null && _uncles.TryGetValue(state.App.Id, out PeerHandle[]? known) ? known : [];
        PeerHandle[] siblings = _siblings is not null && _siblings.TryGetValue(state.App.Id, out PeerHandle[]? near) ? near : [];
        foreach (PeerHandle candidate in uncles.Concat(siblings).Prepend(Overlay.NextHop(state.App.Id)).Prepend(state.Grandparent).Distinct())
        {
            if (!candidate.IsNone && candidate != _context.Self && candidate != state.Parent && !state.Children.Contains(candidate))
                yield return candidate;
        }
    }
}
