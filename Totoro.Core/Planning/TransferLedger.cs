using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>
/// A node's own record of its tree transfers, the only source of a planner's costs (<see cref="IPlanningObservations"/>):
/// each data transfer it sends gets a token that the far end echoes in its ack, so the node sees the transfer's time
/// and whether it arrived; acks carry the far end's load report. It also counts the tree bytes per round its own
/// links carry, which is what it reports to others.
/// </summary>
public sealed class TransferLedger : IPlanningObservations
{
    /// <summary>Transfers smaller than this measure latency, not throughput.</summary>
    public const long BulkBytes = 4096;

    private const double Smoothing = 0.3;
    private const double RateDecay = 0.01; // per sample: the largest rate sample fades by half in about 70 samples
    private const long FlowLifetimeMicros = 120_000_000; // a flow not refreshed for this long has ended (a child left)

    private readonly Dictionary<PeerHandle, Stats> _direct = [];
    private readonly Dictionary<(PeerHandle Relay, PeerHandle Peer), Stats> _relayed = [];
    private readonly Dictionary<PeerHandle, LoadReport> _reports = [];
    private readonly Dictionary<PeerHandle, double> _farDown = []; // each peer's downlink µs per byte, timed from this node's transfers to it
    private readonly Dictionary<PeerHandle, double> _toldDown = []; // this node's downlink rate as each peer timed it
    private readonly Dictionary<long, Pending> _pending = [];
    private readonly Dictionary<(NodeId App, FlowDirection Direction, PeerHandle Peer, bool Out), (long Bytes, long At, int Round, bool Relayed)> _flows = [];
    private readonly Dictionary<NodeId, int> _latestRound = []; // per app: the latest round this node carried bytes of
    private readonly Dictionary<NodeId, (long At, long Period)> _roundPace = []; // per app: when this node first carried its latest round, and the time a round took here before it
    private long _drainedSentAt = long.MinValue; // a transfer sent then was acked: everything sent before it left the uplink
    private long _now;
    private long _nextToken = 1;
    private double _upRate;
    private double _timedUpRate;   // from the node's own uplink queue (bulk sends): exact, where the world can tell
    private long _timedSmallBytes; // small sends timed the same way: a fallback until a bulk send is timed
    private long _timedSmallMicros;
    private double _downRate;
    private long _lastArrival = long.MinValue;
    private double _bestReported;

    public long Slot { get; private set; }

    /// <summary>Transfers whose ack never came (timed out).</summary>
    public long Lost { get; private set; }

    public long TimeoutMicros { get; init; } = 30_000_000;

    /// <summary>Records a data transfer leaving this node; returns the token its ack will echo. It counts once resolved (acked or timed out).</summary>
    public long Sent(PeerHandle peer, PeerHandle relay, long bytes, long now)
    {
        long token = _nextToken++;
        _now = Math.Max(_now, now);
        _pending[token] = new Pending(peer, relay, bytes, now, Clean: !QueuedAhead(), LeftAfter: 0);
        return token;
    }

    /// <summary>Transfer <paramref name="token"/> leaves this node's uplink <paramref name="micros"/> after it was sent (timed from the send queue).</summary>
    public void Left(long token, long micros)
    {
        if (micros > 0 && _pending.TryGetValue(token, out Pending p))
            _pending[token] = p with { LeftAfter = micros };
    }

    /// <summary>
    /// The far end acknowledged transfer <paramref name="token"/>; false for an unknown or repeated token. The far end
    /// may tell how long its ack waited in its send queue and the time since its previous bulk arrival (µs).
    /// </summary>
    public bool Acked(long token, long now, LoadReport? report, long farQueued = 0, long farGap = long.MaxValue)
    {
        if (!_pending.Remove(token, out Pending p))
            return false;
        _now = Math.Max(_now, now);
        _drainedSentAt = Math.Max(_drainedSentAt, p.SentAt);
        Slot++;
        Stats stats = StatsFor(p.Peer, p.Relay);
        stats.Transfers++;
        stats.Acked++;
        double elapsed = Math.Max(1, now - p.SentAt);
        if (p.Bytes < BulkBytes)
        {
            stats.RoundTrip = stats.RoundTrip == 0 ? elapsed : Math.Min(stats.RoundTrip, elapsed);
        }
        else
        {
            // The bytes' own time: the transfer's less a round trip (never below a fifth of it: a round trip measured
            // behind a queue would otherwise make a transfer look instantaneous).
            double busy = Math.Max(elapsed - stats.RoundTrip, elapsed / 5);
            double perByte = busy / p.Bytes;
            stats.MicrosPerByte = stats.BulkSamples == 0 ? perByte : ((1 - Smoothing) * stats.MicrosPerByte) + (Smoothing * perByte);
            stats.BulkSamples++;
            // This node's uplink rate: from transfers that found nothing of its own queued ahead, with a known round
            // trip that leaves the bytes most of the time (else the sample says more about latency than about rate).
            // Every sample is at most the rate (the bytes also queued at the far end's downlink and its ack behind
            // the far end's uplink), so the rate is the largest recent sample, decaying slowly to follow a change.
            // The bytes also crossed the far end's downlink: less its time at the rate it measured (when that leaves
            // most of the time to the uplink; else the far end's downlink dominated and the sample is a lower bound).
            bool overLinks = !OnSameHost(p.Peer) && !OnSameHost(p.Relay);
            if (p.Relay.IsNone && overLinks && p.Clean && stats.RoundTrip > 0 && elapsed - stats.RoundTrip >= elapsed / 5)
            {
                double far = report is { DownBytesPerMicro: > 0 } at ? 1 / at.DownBytesPerMicro : 0;
                double own = perByte - far >= perByte / 2 ? perByte - far : perByte;
                _upRate = Math.Max(1 / own, _upRate * (1 - RateDecay));
            }

            // The far end's downlink: the transfer's time less its time in this node's uplink (timed), a round trip and
            // the ack's wait in the far end's send queue (told in the ack) is what the bytes took to come in there, plus
            // any wait behind other arrivals there; and the far end's gap since its previous arrival (told too) bounds
            // it as well, since its downlink lets one message in at a time. Both bound the downlink's time from above,
            // so the rate is the largest recent sample, fading as the uplink's does. The far end cannot time this itself
            // when its senders are slower than its downlink; it is told in an ack.
            double down = Math.Min(elapsed - p.LeftAfter - stats.RoundTrip - farQueued, farGap);
            if (p.Relay.IsNone && overLinks && p.LeftAfter > 0 && stats.RoundTrip > 0 && down >= 1)
            {
                double downPerByte = down / p.Bytes;
                _farDown[p.Peer] = _farDown.TryGetValue(p.Peer, out double was) ? Math.Min(downPerByte, was / (1 - RateDecay)) : downPerByte;
            }
        }

        if (report is { } r && p.Relay.IsNone)
            Heard(p.Peer, r);
        return true;
    }

    /// <summary>
    /// A round trip measured by a probe (small message and its answer). <paramref name="clean"/>: neither the probe nor
    /// its answer came in right behind another arrival (<see cref="QueuedBehind"/>), so neither waited behind a busy
    /// downlink. A sample that did is only an upper bound, kept while no clean one is known: a candidate's downlink is
    /// busy with its children's updates just when a child probes it, and such round trips read 2–5× the path's.
    /// </summary>
    public void RoundTrip(PeerHandle peer, long micros, bool clean = true)
    {
        Stats stats = StatsFor(peer, PeerHandle.None);
        micros = Math.Max(1, micros);
        if (clean)
            stats.RoundTrip = stats.RoundTrip == 0 ? micros : Math.Min(stats.RoundTrip, micros);
        else
            stats.QueuedRoundTrip = stats.QueuedRoundTrip == 0 ? micros : Math.Min(stats.QueuedRoundTrip, micros);
    }

    /// <summary>Whether this node has a round trip to <paramref name="peer"/> from a probe that queued nowhere (else it should probe again).</summary>
    public bool HasCleanRoundTrip(PeerHandle peer) => _direct.TryGetValue(peer, out Stats? s) && s.RoundTrip > 0;

    /// <summary>
    /// Within this long of the previous arrival, a message came in right behind it: its downlink lets one message in
    /// at a time, so a message that waited there arrives its own bytes' time after the one ahead (microseconds for a
    /// probe), and one that did not wait arrives later by chance only.
    /// </summary>
    public const long QueuedBehindMicros = 1_000;

    private long _lastDelivery = long.MinValue;

    /// <summary>A message arrived now (any planning or planned tree message): returns the time since the previous one (long.MaxValue: none).</summary>
    public long Received(long now)
    {
        long gap = _lastDelivery == long.MinValue ? long.MaxValue : Math.Max(0, now - _lastDelivery);
        _lastDelivery = Math.Max(_lastDelivery, now);
        return gap;
    }

    /// <summary>Whether a message that arrived <paramref name="gap"/> µs after the previous one waited behind it in the downlink.</summary>
    public static bool QueuedBehind(long gap) => gap <= QueuedBehindMicros;

    public void Heard(PeerHandle peer, LoadReport report)
    {
        _reports[peer] = report;
        _bestReported = Math.Max(_bestReported, report.UpBytesPerMicro);
    }

    /// <summary>Counts transfers not acknowledged within the timeout as lost (called now and then).</summary>
    public void Expire(long now)
    {
        Advance(now);
        List<long>? expired = null;
        foreach ((long token, Pending p) in _pending)
        {
            if (now - p.SentAt > TimeoutMicros)
                (expired ??= []).Add(token);
        }

        foreach (long token in expired ?? [])
        {
            _pending.Remove(token, out Pending p);
            StatsFor(p.Peer, p.Relay).Transfers++; // resolved as a failure
            Lost++;
            Slot++;
        }

        // A flow of one of the node's tree edges now stays, however long idle: it is what the node's report prices its
        // revival at (OwnFor) and the last round the edge took. Forgotten after 120 s, an idle node reported its revival
        // free, and an observer took its edge for a new one that carries every round (docs/planning.md I.7).
        List<(NodeId, FlowDirection, PeerHandle, bool)>? ended = null;
        foreach ((var key, var flow) in _flows)
        {
            if (now - flow.At > FlowLifetimeMicros && (flow.Relayed || IsEdge?.Invoke(key.App, key.Direction, key.Peer, key.Out) != true))
                (ended ??= []).Add(key);
        }

        foreach (var key in ended ?? [])
            _flows.Remove(key);
    }

    /// <summary>
    /// A message of <paramref name="bytes"/> took <paramref name="micros"/> to leave this node's uplink, timed from the
    /// node's own send queue (how much longer its queued bytes take to leave, before and after the send). Unlike a
    /// transfer's time to its ack, this is the uplink alone, not also the far end's downlink and queues, so it is the
    /// rate: the latest bulk sample (a node's rate does not change while it runs, and if it did this follows at once),
    /// and from small sends (bytes over their rounded-up microseconds, a slight underestimate) until one was timed.
    /// </summary>
    public void UplinkTimed(long bytes, long micros)
    {
        if (bytes <= 0 || micros <= 0)
            return;
        if (bytes >= BulkBytes)
        {
            _timedUpRate = (double)bytes / micros;
            return;
        }

        _timedSmallBytes += bytes;
        _timedSmallMicros += micros;
    }

    /// <summary>
    /// A bulk tree transfer arrived. The downlink lets one message in at a time, so two arrivals are at least the
    /// second's bytes over the downlink rate apart: bytes / gap never exceeds the rate and reaches it whenever
    /// transfers queue (as every parent's children's updates do). The largest such sample is the measured rate.
    /// </summary>
    public void Arrived(long bytes, long now, PeerHandle from = default)
    {
        if (OnSameHost(from))
            return; // over loopback: the downlink never saw it
        if (bytes >= BulkBytes && _lastArrival != long.MinValue && now > _lastArrival)
            _downRate = Math.Max(_downRate, (double)bytes / (now - _lastArrival));
        _lastArrival = now;
    }

    /// <summary>This node's downlink rate as a peer timed it from its transfers here (<see cref="DownlinkOf"/>), told in an ack.</summary>
    public void ToldDownlink(PeerHandle peer, double bytesPerMicro)
    {
        if (double.IsFinite(bytesPerMicro) && bytesPerMicro > 0)
            _toldDown[peer] = bytesPerMicro;
    }

    /// <summary>A peer's downlink rate timed from this node's transfers to it (0: not yet), for telling it.</summary>
    public double DownlinkOf(PeerHandle peer) => _farDown.TryGetValue(peer, out double perByte) ? 1 / perByte : 0;

    /// <summary>
    /// Counts the bytes one flow moves in <paramref name="round"/> of its app over this node's uplink (out) or downlink
    /// (in); <paramref name="relayed"/>: this node only carries it one hop for others (not one of its own tree edges).
    /// </summary>
    public void Carried(NodeId app, FlowDirection direction, PeerHandle peer, bool outgoing, long bytes, long now, int round, bool relayed = false)
    {
        _now = Math.Max(_now, now);
        if (!_latestRound.TryGetValue(app, out int latest) || round > latest)
        {
            _latestRound[app] = round;
            bool seen = _roundPace.TryGetValue(app, out var pace);
            // Rounds skipped here (not chosen) divide the time since the last one; after a silence the app's rounds
            // ended here (dormant), the time since its revival (MovedIn) is no measure of them: the period stays.
            long period = seen && now > pace.At && round - latest <= EndedAfterRounds ? (now - pace.At) / (round - latest) : pace.Period;
            _roundPace[app] = (now, period);
        }

        _flows[(app, direction, peer, outgoing)] = (bytes, now, round, relayed);
    }

    /// <summary>
    /// A child moved in under this node: its two flows load the node's reports from now, at the bytes the app's flows
    /// carry here, not only once its first update came (a round later): a mover that probed this node meanwhile would
    /// price it without the child that just moved in, and follow it (herding).
    /// </summary>
    public void MovedIn(NodeId app, PeerHandle child, long now)
    {
        _now = Math.Max(_now, now);
        int latest = _latestRound.GetValueOrDefault(app);
        if (IsDormant(app))
        {
            // The app's rounds had stopped passing here (no worker below): with a worker below again they pass once
            // more, over this node's own edges too. Without this the node still reported none of the app, and the
            // children of one parent moved onto an idle slow node together, each pricing it empty (docs/planning.md I.7).
            _roundPace[app] = (now, _roundPace[app].Period);
            foreach ((var key, var flow) in _flows.ToArray())
            {
                if (key.App == app && !flow.Relayed && (IsEdge is null || IsEdge(key.App, key.Direction, key.Peer, key.Out)))
                    _flows[key] = (flow.Bytes, now, latest, false);
            }
        }

        long up = 0, down = 0;
        foreach ((var key, var flow) in _flows)
        {
            if (key.App != app || flow.Relayed)
                continue;
            if (key.Direction == FlowDirection.Up && !key.Out)
                up = Math.Max(up, flow.Bytes);
            else if (key.Direction == FlowDirection.Down)
                down = Math.Max(down, flow.Bytes);
        }

        int round = _latestRound.GetValueOrDefault(app);
        if (up > 0 || down > 0)
        {
            _flows[(app, FlowDirection.Up, child, false)] = (up > 0 ? up : down, now, round, false);
            _flows[(app, FlowDirection.Down, child, true)] = (down > 0 ? down : up, now, round, false);
        }
    }

    /// <summary>
    /// Whether a flow of this node's own is still one of its tree edges (app, direction, far end, outgoing), as its tree
    /// state says now; null: every flow counts until its rounds pass. A flow whose edge is gone (the child moved away,
    /// this node changed parent or left the tree) stops loading the report at once: counted by rounds alone, a node that
    /// no longer carried an app kept its last flows of it, and the candidates' reported loads read up to twice the truth.
    /// </summary>
    public Func<NodeId, FlowDirection, PeerHandle, bool, bool>? IsEdge { get; set; }

    /// <summary>
    /// Whether a peer runs on this node's machine (null: none does, as in the simulator). Transfers with such a peer
    /// cross loopback: they time no link of the host's, so they neither feed its rates nor load its reports, and a
    /// planner prices such a parent without the host's links.
    /// </summary>
    public Func<PeerHandle, bool>? SharesHost { get; set; }

    public bool OnSameHost(PeerHandle peer) => !peer.IsNone && SharesHost is { } shares && shares(peer);

    /// <summary>This node's bytes per round on its uplink or downlink, leaving out one flow's own (the asker's).</summary>
    public long LoadExcept(bool outgoing, NodeId app, FlowDirection direction, PeerHandle peer)
    {
        long total = 0;
        foreach ((var key, var flow) in _flows)
        {
            if (key.Out == outgoing && IsLive(key, flow.Round, flow.Relayed) && !(key.App == app && key.Direction == direction && key.Peer == peer))
                total += flow.Bytes;
        }

        return total;
    }

    /// <summary>
    /// The latest round of <paramref name="app"/> that came down to this node or that it sent up (-1: none yet), whoever
    /// its parent was: for an observer that scores a run (a node above no worker gets no round).
    /// </summary>
    public int LastRoundAsChild(NodeId app)
    {
        int last = -1;
        foreach ((var key, var flow) in _flows)
        {
            if (key.App == app && !flow.Relayed && key.Out == (key.Direction == FlowDirection.Up))
                last = Math.Max(last, flow.Round);
        }

        return last;
    }

    /// <summary>The latest round of <paramref name="app"/> this node carried bytes of (-1: none yet).</summary>
    public int LatestRoundOf(NodeId app) => _latestRound.TryGetValue(app, out int round) ? round : -1;

    public HopEstimate Direct(PeerHandle peer) => _direct.TryGetValue(peer, out Stats? s) ? s.View : default;

    public HopEstimate Relayed(PeerHandle relay, PeerHandle peer) => _relayed.TryGetValue((relay, peer), out Stats? s) ? s.View : default;

    public LoadReport? Report(PeerHandle peer) => _reports.TryGetValue(peer, out LoadReport r) ? r : null;

    public LoadReport Own => new(LoadOf(true), LoadOf(false), UpRate, Math.Max(_downRate, ToldMedian()));

    /// <summary>Micros since this node's last bulk arrival (long.MaxValue: none yet), told in the ack of the next one.</summary>
    public long GapSinceArrival(long now) => _lastArrival == long.MinValue ? long.MaxValue : now - _lastArrival;

    /// <summary>
    /// The median of what the peers told, the upper middle one of an even count. Each told rate is the peer's transfer
    /// time less its uplink time, its round trip and the ack's wait; a round trip read behind a queue overstated it (up
    /// to hundreds of times), so the lowest was taken, and that one read 157 of 1,126 loaded nodes' downlinks below 0.6
    /// of the truth (a sender whose transfers always queued behind its siblings' tells the queue, not the link). With
    /// probes' round trips clean of downlink queues (docs/planning.md I.2) the median is within 10 % for 1,088 of them,
    /// and reported with the arrival-gap rate 1,089 (1,013 with the lowest), 24 below 0.6 (72). Of two, the lower
    /// (the rule before) is the one that queued whenever one did: a node told 14.5 and 39.9 B/µs (truly 39.8) read
    /// 14.5, and where it was the best candidate of three children they stayed at a true gap of 0.07–0.11 (I.7).
    /// </summary>
    private double ToldMedian()
    {
        int n = _toldDown.Count;
        if (n == 0)
            return 0;
        Span<double> rates = n <= 64 ? stackalloc double[n] : new double[n];
        int i = 0;
        foreach (double rate in _toldDown.Values)
            rates[i++] = rate;
        rates.Sort();
        return rates[n / 2];
    }

    public double BestRate => Math.Max(UpRate, _bestReported);

    /// <summary>The uplink rate this node reports: timed from its own send queue where it can be, else from its acks.</summary>
    private double UpRate => _timedUpRate > 0 ? _timedUpRate
        : _timedSmallMicros > 0 ? (double)_timedSmallBytes / _timedSmallMicros
        : _upRate;

    public double TypicalRoundTripMicros
    {
        get
        {
            double sum = 0;
            int n = 0;
            foreach (Stats s in _direct.Values)
            {
                if (s.RoundTrip > 0)
                {
                    sum += s.RoundTrip;
                    n++;
                }
            }

            return n == 0 ? 0 : sum / n;
        }
    }

    private long LoadOf(bool outgoing)
    {
        long total = 0;
        foreach ((var key, var flow) in _flows)
        {
            if (key.Out == outgoing && IsLive(key, flow.Round, flow.Relayed))
                total += flow.Bytes;
        }

        return total;
    }

    /// <summary>
    /// A flow still runs if it moved bytes in one of the last two rounds of its app that this node carried (a child
    /// that left, or moved to another parent, stops counting two rounds later). Counted in rounds, not in time: the first
    /// version's period, the time between any flow's last two transfers, could come out far below the app's round (0.7 s
    /// at a slow parent whose rounds took seconds), and that parent then reported 50 B of its 4.3 MB per round.
    /// </summary>
    private bool IsLive((NodeId App, FlowDirection Direction, PeerHandle Peer, bool Out) key, int round, bool relayed)
        => (!_latestRound.TryGetValue(key.App, out int latest) || round >= latest - 1)
            && !HasEnded(key.App)
            && (relayed || IsEdge is null || IsEdge(key.App, key.Direction, key.Peer, key.Out))
            && !OnSameHost(key.Peer); // over loopback: no load on the host's links

    /// <summary>
    /// Whether the app's rounds have stopped passing through this node: none for <see cref="EndedAfterRounds"/> of its
    /// rounds as they last came here. An app whose training ended keeps its tree, and its last two rounds' flows then
    /// loaded the node's reports for good: nodes that had served an app that finished early looked busy to every
    /// other app's children for the rest of the run (docs/planning.md I.2).
    /// </summary>
    private bool HasEnded(NodeId app)
    {
        if (!_roundPace.TryGetValue(app, out var pace) || pace.Period <= 0)
            return false;
        if (_now - pace.At > EndedAfterRounds * pace.Period)
            return true;
        // The root said which round was its last: one round after it came here, nothing of the app moves any more.
        return _finalRound is not null && _finalRound.TryGetValue(app, out var final) && _latestRound.GetValueOrDefault(app) <= final.Round && _now - final.At > pace.Period;
    }

    /// <summary>Whether the app's rounds stopped passing through this node by silence (no worker below it), not because its training ended.</summary>
    private bool IsDormant(NodeId app)
        => HasEnded(app) && (_finalRound is null || !_finalRound.ContainsKey(app)) && _roundPace.ContainsKey(app);

    /// <summary>
    /// This node's load report as a child of <paramref name="app"/> that moved here would find it: where the app's rounds
    /// stopped passing (no worker below), they would pass again over this node's own edge to its parent (the model in,
    /// its update out), which the report of now does not count. Only that edge: the rounds would come down to the mover
    /// alone, not to this node's idle children (a selector below the root sends a round only towards its participants),
    /// and the update out is as large as a model, the aggregate of the mover's, though the idle node's last one was an
    /// empty answer of a few bytes. Counted over every edge of the app at its last transfers' bytes, an idle node with
    /// idle children answered a model too many on its uplink, and its siblings' children declined it (docs/planning.md I.7).
    /// </summary>
    public LoadReport OwnFor(NodeId app)
    {
        LoadReport own = Own;
        bool dormant = IsDormant(app);
        long updateOut = 0, modelIn = 0;
        foreach ((var key, var flow) in _flows)
        {
            if (key.App != app || flow.Relayed || (IsEdge is not null && !IsEdge(key.App, key.Direction, key.Peer, key.Out)) || OnSameHost(key.Peer))
                continue;
            if (!dormant && !IsLive(key, flow.Round, relayed: false))
                continue;
            if (key.Out && key.Direction == FlowDirection.Up)
                updateOut = Math.Max(updateOut, flow.Bytes);
            else if (!key.Out && key.Direction == FlowDirection.Down)
                modelIn = Math.Max(modelIn, flow.Bytes);
        }

        if (dormant)
            return own with { UpBytesPerRound = own.UpBytesPerRound + Math.Max(updateOut, modelIn), DownBytesPerRound = own.DownBytesPerRound + modelIn };

        // The rounds come down here, and the answer that goes up is empty (no worker below, none here): under a mover it
        // carries the mover's aggregate, as large as the model. Priced at its empty answer, such a node looked a model's
        // transfer over its uplink cheaper than it is, and the mover, once there, saw its old parent cheaper again: at
        // the end of 180-round runs every move was such a return, two children swapping between the same two parents
        // every few seconds (docs/planning.md I.7).
        return modelIn > updateOut && updateOut < BulkBytes
            ? own with { UpBytesPerRound = own.UpBytesPerRound + modelIn - updateOut }
            : own;
    }

    /// <summary>
    /// The app's last round of training (<paramref name="round"/>) came through this node at <paramref name="now"/>, as
    /// its broadcast said: its flows stop loading this node's reports a round after, not after three rounds of silence.
    /// </summary>
    public void FinalRound(NodeId app, int round, long now)
    {
        _now = Math.Max(_now, now);
        (_finalRound ??= [])[app] = (round, now);
    }

    private Dictionary<NodeId, (int Round, long At)>? _finalRound;

    /// <summary>Rounds of silence after which an app's flows stop loading this node's reports (a slow round is not an ended app).</summary>
    private const int EndedAfterRounds = 3;

    /// <summary>Moves the ledger's clock on (it otherwise moves with transfers): a report made now counts the flows live now.</summary>
    public void Advance(long now) => _now = Math.Max(_now, now);

    /// <summary>
    /// <see cref="OwnFor"/> as a probe answered at <paramref name="now"/> would find it (a probe moves the clock on
    /// first), without moving this ledger's clock: for an observer that scores a run, which must change nothing a node
    /// decides on. Read as last moved instead, a node that an ending app had just freed still showed that app's flows.
    /// </summary>
    public LoadReport OwnForAt(NodeId app, long now)
    {
        long kept = _now;
        _now = Math.Max(_now, now);
        LoadReport report = OwnFor(app);
        _now = kept;
        return report;
    }

    /// <summary>Whether a transfer of this node's may still be in its uplink: one is pending that was sent after the last one known to have left.</summary>
    private bool QueuedAhead()
    {
        foreach (Pending p in _pending.Values)
        {
            if (p.SentAt > _drainedSentAt)
                return true;
        }

        return false;
    }

    private Stats StatsFor(PeerHandle peer, PeerHandle relay)
    {
        if (relay.IsNone)
        {
            if (!_direct.TryGetValue(peer, out Stats? direct))
                _direct[peer] = direct = new Stats();
            return direct;
        }

        if (!_relayed.TryGetValue((relay, peer), out Stats? relayed))
            _relayed[(relay, peer)] = relayed = new Stats();
        return relayed;
    }

    private readonly record struct Pending(PeerHandle Peer, PeerHandle Relay, long Bytes, long SentAt, bool Clean, long LeftAfter);

    private sealed class Stats
    {
        public long Transfers;
        public long Acked;
        public double MicrosPerByte;
        public long BulkSamples;
        public double RoundTrip;      // the least clean sample
        public double QueuedRoundTrip; // the least sample that waited behind a downlink: used only while no clean one is known

        public HopEstimate View => new(Transfers, Acked, MicrosPerByte, BulkSamples, RoundTrip > 0 ? RoundTrip : QueuedRoundTrip);
    }
}
