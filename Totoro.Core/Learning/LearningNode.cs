using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// The learning layer of one node: it meets an app through the forest (its descriptor arrives in JOINs and
/// replicas), loads its workload from the node's own source, and plays whatever role the node has in it — master
/// at the root, worker where the node holds a share of the data, nothing else where it only merges (the forest does
/// that). A node may be master of one app, aggregator of others and worker of more, all at once.
/// </summary>
public sealed class LearningNode : IForestApp
{
    private readonly Func<long> _clock;
    private readonly IWorkloadSource _workloads;
    private readonly ILearningObserver? _observer;
    private readonly Action<Func<Payload>, Action<Payload>> _train;
    private Dictionary<NodeId, FederatedApp>? _apps;
    private Dictionary<NodeId, (int Worker, Func<double, long>? Compute)>? _shares;
    private HashSet<NodeId>? _volunteered; // apps this node volunteered for and has not yet had a round of: it (re-)enrols until then

    /// <param name="train">
    /// How the node's training runs: inline (the simulator, whose devices take their time through the forest's
    /// delayed contribution), or on another thread with the result posted back to the node's turn (a real host).
    /// </param>
    public LearningNode(Func<long> clock, IWorkloadSource workloads, ILearningObserver? observer = null, Action<Func<Payload>, Action<Payload>>? train = null)
    {
        _clock = clock;
        _workloads = workloads;
        _observer = observer;
        _train = train ?? ((work, done) => done(work()));
    }

    public IEnumerable<FederatedApp> Apps => _apps?.Values ?? Enumerable.Empty<FederatedApp>();

    /// <summary>
    /// A volunteer (a real host's node) serves every app it hears of on the advertise–discover tree: it subscribes,
    /// and once attached and holding the app's data it asks the root for a worker index (<see cref="LearningOp.Enrol"/>).
    /// </summary>
    public bool Volunteer { get; init; }

    /// <summary>
    /// This node's own training data (a shard folder it was given): it trains on them, instead of on the share the
    /// root assigns, in every app whose model they fit. Null: the root's partition of the app's data set.
    /// </summary>
    public Dataset? OwnData { get; init; }

    /// <summary>An answer to a request this node sent (stamp, the answering node, the message): the host matches it to its client.</summary>
    public event Action<long, PeerHandle, LearningMessage>? Answered;

    /// <summary>Sends a request about <paramref name="app"/> to its root (answered through <see cref="Answered"/>).</summary>
    public static void Ask(ForestNode node, LearningOp op, NodeId app, long stamp, byte[]? body = null)
        => node.RouteToKey(app, LearningMessage.Tag, new LearningMessage(op, app, body ?? []).ToPayload(), stamp);

    /// <summary>Checks creators' signatures (a certified host); null: ownership is recorded, not checked (the simulator).</summary>
    public ISignatureCheck? Signatures { get; init; }

    /// <summary>Requests refused for ownership: submits whose claim does not verify, stops not from the creator, advertised apps with a bad claim.</summary>
    public long OwnershipRefusals { get; private set; }

    /// <summary>Apps whose descriptor this node could not serve (no learning info, or its data not available here).</summary>
    public int Unserved { get; private set; }

    /// <summary>
    /// This node holds share <paramref name="worker"/> of the app's data (its own files, or a shard given to it), on a
    /// device that computes for the given FLOPs in the returned µs (null: training takes the time it takes).
    /// </summary>
    public void Hold(NodeId app, int worker, Func<double, long>? computeMicros = null)
    {
        _shares ??= [];
        _shares[app] = (worker, computeMicros);
        if (_apps is not null && _apps.TryGetValue(app, out FederatedApp? known))
            Bind(known);
    }

    /// <summary>The node no longer holds a share of the app.</summary>
    public void Release(NodeId app)
    {
        _shares?.Remove(app);
        if (_apps is not null && _apps.TryGetValue(app, out FederatedApp? known))
            known.Worker = -1;
    }

    public bool Holds(NodeId app, out int worker)
    {
        worker = -1;
        if (_shares is null || !_shares.TryGetValue(app, out var share))
            return false;
        worker = share.Worker;
        return true;
    }

    /// <summary>At the app's root: begins training. False when this node cannot serve the app (see <see cref="Unserved"/>).</summary>
    public bool Start(ForestNode node, NodeId app)
    {
        if (App(node, app) is not { } fl)
            return false;
        fl.Start(node, _clock());
        return true;
    }

    public bool TryGet(NodeId app, out FederatedApp? fl)
    {
        fl = null;
        return _apps is not null && _apps.TryGetValue(app, out fl);
    }

    public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
    {
        _volunteered?.Remove(app); // training has begun under a root that knows this node: no more enrolling
        if (App(node, app) is { } fl)
            fl.OnBroadcast(node, round, payload, _train);
        else if (node.TryGetTree(app, out TreeInfo info) && info.IsSubscriber)
            node.Decline(app, round); // the tree must not wait for a worker that cannot train
    }

    public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
    {
        if (TryGet(app, out FederatedApp? fl))
            fl!.OnAggregated(node, round, merged, contributions, _clock());
    }

    public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint)
    {
        if (App(node, app) is { } fl)
        {
            fl.OnRootTakeover(node, round, checkpoint, _clock());
        }
        else
        {
            // The app's data are still loading (a host that just restarted): keep the take-over for when they are,
            // or the master would later start the app afresh with the model lost.
            (_pendingTakeovers ??= [])[app] = (round, checkpoint);
        }

        if (node.IsRestoredRoot(app) && node.Descriptor(app) is { } descriptor)
        {
            // Resumed from this node's own disk: every host may have restarted, and nobody knows the app any more.
            Announce(node, descriptor);
        }
    }

    /// <summary>Apps this node announced as their root, and when it last did, until their workers are in.</summary>
    private Dictionary<NodeId, long>? _announcing;

    /// <summary>
    /// An announcement is routed to the advertise–discover root without hop acks; one that dies with a node on the way
    /// (a host killed as the app is submitted) reaches nobody, no worker volunteers and the app waits for ever. So the
    /// root announces again every <see cref="FederatedApp.ReannounceMicros"/> until every share has a worker or
    /// training began, or until another node became the root (it has the workers it needs to know of).
    /// </summary>
    private void AnnounceAgain(ForestNode node, NodeId app)
    {
        if (_announcing is null || !_announcing.TryGetValue(app, out long at))
            return;
        bool elsewhere = node.TryGetTree(app, out TreeInfo info) && !info.IsRoot && !info.Parent.IsNone; // a member under another root
        if (elsewhere || (TryGet(app, out FederatedApp? fl) && !fl!.WantsWorkers))
        {
            _announcing.Remove(app);
            return;
        }

        long now = _clock();
        if (now - at < FederatedApp.ReannounceMicros || node.Descriptor(app) is not { } descriptor)
            return;
        _announcing[app] = now;
        Announce(node, descriptor);
    }

    /// <summary>Tells every node of the app (through the advertise–discover tree), so that workers volunteer.</summary>
    private static void Announce(ForestNode node, AppDescriptor descriptor)
        => node.Advertise(new Advertisement(descriptor.Id, descriptor.Options.Fanout, descriptor.Name, "") { Descriptor = descriptor.Encode() });

    // ---- The learning layer's own protocol ------------------------------------------------------------------

    public void OnAppMessage(ForestNode node, PeerHandle from, AppMessageView message)
    {
        if (!LearningMessage.TryRead(message, out LearningMessage m))
            return;
        long stamp = message.Stamp;
        if (!message.IsRouted)
        {
            if (m.Op == LearningOp.Successor)
            {
                OnSuccessor(node, m);
                return;
            }

            if (m.Op == LearningOp.Stop)
            {
                OnSuccessorStop(node, m);
                return;
            }

            if (m.Op == LearningOp.Enrolled)
                OnEnrolled(node, m);
            Answered?.Invoke(stamp, from, m);
            return;
        }

        switch (m.Op)
        {
            case LearningOp.Submit:
                Reply(node, from, stamp, new LearningMessage(LearningOp.Submitted, m.App, OnSubmit(node, m)));
                break;
            case LearningOp.Enrol:
                FederatedApp? fl = node.IsRootOf(m.App) ? App(node, m.App) : null; // one roster: only the tree's root hands out shards
                int index = fl?.Enrol(node.IdOf(from), LearningMessage.ReadInt(m.Body, -1), _clock()) ?? -2; // −2: not the root, or it cannot serve the app yet
                Reply(node, from, stamp, new LearningMessage(LearningOp.Enrolled, m.App, LearningMessage.Int(index)));
                if (fl is { Inherited: true })
                    _ = node.IsPullingState(m.App); // ForestNode.Succession.cs: ask for the app's state at once
                fl?.MaybeStart(node, _clock());
                break;
            case LearningOp.Stop when StopRefusal(node, m) is { } refusal:
                OwnershipRefusals++;
                Reply(node, from, stamp, new LearningMessage(LearningOp.Refused, m.App, System.Text.Encoding.UTF8.GetBytes(refusal)));
                break;
            case LearningOp.StatusQuery or LearningOp.Stop:
                if (m.Op == LearningOp.Stop && TryGet(m.App, out FederatedApp? stopped))
                {
                    stopped!.Stop();
                    if (stopped.Master is null)
                        SendToSuccessors(node, m.App, m); // stopped before it trained: its successors must not announce it
                }

                Reply(node, from, stamp, new LearningMessage(LearningOp.Status, m.App, Progress(node, m.App).Encode()));
                break;
            case LearningOp.ModelQuery:
                float[]? model = TryGet(m.App, out FederatedApp? holder) && holder!.Master is { IsTiming: false } master ? master.Global : null;
                Reply(node, from, stamp, new LearningMessage(LearningOp.Model, m.App, Progress(node, m.App).Encode(), model));
                break;
            default:
                break;
        }
    }

    /// <summary>At the root: a new app. The same name with another descriptor is refused; a new one is advertised to every node.</summary>
    private byte[] OnSubmit(ForestNode node, LearningMessage m)
    {
        if (ClaimRefusal(node, m.App, m.Body) is { } refusal)
        {
            OwnershipRefusals++;
            return Refusal(refusal);
        }

        if (node.Descriptor(m.App) is { } known)
        {
            bool same = known.Encode().AsSpan().SequenceEqual(m.Body);
            if (!same)
                return Refusal($"an app named '{known.Name}' already runs with another spec: stop it or choose another name");
        }
        else if (!node.Discover(m.Body, out string? error))
        {
            return Refusal($"the app's descriptor is not one this node can serve: {error}");
        }

        App(node, m.App)?.Known(_clock());
        Announce(node, node.Descriptor(m.App)!);
        (_announcing ??= [])[m.App] = _clock();
        SendToSuccessors(node, m.App, new LearningMessage(LearningOp.Successor, m.App, m.Body));
        return [0];
    }

    /// <summary>How many of the nodes next closest to a submitted app keep its descriptor (<see cref="LearningOp.Successor"/>).</summary>
    public const int SuccessorCount = 2;

    /// <summary>How long a successor watches for the app's root to be gone: the root announces again every few seconds, so
    /// by then workers have long heard of the app, and they keep it alive at any root (they enrol there).</summary>
    public const long SuccessorWatchMicros = 120_000_000;

    /// <summary>At most this many apps a successor watches at once; a hand-off beyond is dropped and counted.</summary>
    public const int MaxWatched = 64;

    /// <summary>
    /// Apps a root handed this node as a successor: when, and the descriptor's bytes. Kept here, not as a tree of the
    /// node's own, until it announces one: most are never needed, and each goes after <see cref="SuccessorWatchMicros"/>.
    /// </summary>
    private Dictionary<NodeId, Handed>? _successorOf;

    /// <summary>An app handed to this node as a successor: since when, its descriptor, and the bytes it came as.</summary>
    private readonly record struct Handed(long Since, AppDescriptor Descriptor, byte[] Bytes);

    /// <summary>Hand-offs dropped because this node already watched <see cref="MaxWatched"/> apps.</summary>
    public int SuccessorHandsDropped { get; private set; }

    /// <summary>Apps this node announced as a successor, its app's root gone before any worker heard of the app.</summary>
    public int SuccessorAnnouncements { get; private set; }

    /// <summary>
    /// Until a worker hears of a new app, it lives only at its root: the announcement lost on its way (a host just cut
    /// off on the path) and the root gone (a leave or a crash a second after the submit) lost the app for good, though its
    /// submitter was told it was accepted; the soak of CI stop 34 lost soak-15 so. The nodes next closest to the app, the
    /// ones that become its root when this one goes, keep its descriptor and announce it if that happens.
    /// </summary>
    private static void SendToSuccessors(ForestNode node, NodeId app, LearningMessage message)
    {
        var candidates = new List<PeerHandle>();
        foreach (PeerHandle peer in node.Overlay.LeftLeaves().Concat(node.Overlay.RightLeaves()))
        {
            if (node.IdOf(peer) != node.Overlay.Id && !candidates.Contains(peer))
                candidates.Add(peer);
        }

        candidates.Sort((a, b) => app.IsCloser(node.IdOf(a), node.IdOf(b)) ? -1 : app.IsCloser(node.IdOf(b), node.IdOf(a)) ? 1 : 0);
        Payload payload = message.ToPayload();
        foreach (PeerHandle successor in candidates.Take(SuccessorCount))
            node.SendDirect(successor, LearningMessage.Tag, payload, stamp: 0);
    }

    /// <summary>
    /// The root's word that its creator stopped the app before it trained (the creator's signed stop, passed on): a
    /// successor stops watching it, so it never announces an app its creator stopped.
    /// </summary>
    private void OnSuccessorStop(ForestNode node, LearningMessage m)
    {
        if (_successorOf is null || !_successorOf.ContainsKey(m.App))
            return;
        if (StopRefusal(node, m) is not null)
        {
            OwnershipRefusals++; // not its creator's stop
            return;
        }

        _successorOf.Remove(m.App);
    }

    /// <summary>A root handed this node a new app as a successor: kept (if its creator's claim holds) and watched.</summary>
    private void OnSuccessor(ForestNode node, LearningMessage m)
    {
        if (ClaimRefusal(node, m.App, m.Body) is not null)
        {
            OwnershipRefusals++; // not its creator's app: a successor announces nothing it could not have been submitted
            return;
        }

        if (!AppDescriptor.TryDecode(m.Body, LearningTreeHooks.Default, out AppDescriptor? descriptor, out _))
        {
            Unserved++;
            return;
        }

        _successorOf ??= [];
        if (_successorOf.Count >= MaxWatched && !_successorOf.ContainsKey(m.App))
        {
            SuccessorHandsDropped++; // a flood of hand-offs costs it at most MaxWatched descriptors
            return;
        }

        _successorOf[m.App] = new Handed(_clock(), descriptor!, m.Body);
    }

    /// <summary>
    /// Each second: a successor that has become the app's closest node (its root left or died) announces the app, and
    /// again while workers are missing, as the root would have. It stops watching once it is in the app's tree under
    /// another root, the app trains here, or <see cref="SuccessorWatchMicros"/> have passed.
    /// </summary>
    private void WatchAsSuccessor(ForestNode node, NodeId app, Handed handed)
    {
        long now = _clock();
        bool elsewhere = node.TryGetTree(app, out TreeInfo info) && !info.IsRoot && !info.Parent.IsNone;
        if (elsewhere || now - handed.Since > SuccessorWatchMicros || (TryGet(app, out FederatedApp? fl) && fl!.Master is not null))
        {
            _successorOf!.Remove(app);
            return;
        }

        if (!node.Overlay.NextHop(app, PeerHandle.None, handed.Descriptor.Scope).IsNone)
            return; // a closer node lives: the root has the app (or a successor closer than this one)
        _successorOf!.Remove(app);
        if (node.Descriptor(app) is null && !node.Discover(handed.Bytes, out _))
            return; // decoded once already: not reached
        AppDescriptor descriptor = node.Descriptor(app)!;

        SuccessorAnnouncements++;
        _observer?.OnSuccessorAnnounced(app, descriptor.Name, now);
        Announce(node, descriptor);
        (_announcing ??= [])[app] = now; // and again while workers are missing (AnnounceAgain)
    }

    /// <summary>Null when the descriptor's app is claimed by a creator whose signature verifies (or nothing is checked).</summary>
    private string? ClaimRefusal(ForestNode node, NodeId app, ReadOnlySpan<byte> descriptor)
    {
        if (!AppDescriptor.TryDecode(descriptor, LearningTreeHooks.Default, out AppDescriptor? decoded, out string? error))
            return $"the app's descriptor is not one this node can serve: {error}";
        if (decoded!.Id != app)
            return $"the descriptor is for app {decoded.Id}, not {app}";
        if (!LearningAppInfo.TryDecode(decoded.Application, out LearningAppInfo? info, out error))
            return Signatures is null ? null : $"the app's descriptor carries no learning info: {error}";
        return AppOwnership.CheckClaim(app, decoded.Name, info!, Signatures);
    }

    private string? StopRefusal(ForestNode node, LearningMessage m)
    {
        if (node.Descriptor(m.App) is not { } descriptor || !LearningAppInfo.TryDecode(descriptor.Application, out LearningAppInfo? info, out _))
            return null; // nothing to stop here: answered with the status (unknown)
        return AppOwnership.CheckStop(m.App, info!, m.Body, Signatures);
    }

    private static byte[] Refusal(string reason) => [1, .. System.Text.Encoding.UTF8.GetBytes(reason)];

    private AppProgress Progress(ForestNode node, NodeId app)
    {
        if (App(node, app) is { } fl)
        {
            AppProgress progress = fl.Progress();
            return !progress.Started && node.AwaitedStateRound(app) is var round and >= 0
                ? progress with { Error = $"this master holds none of the app's state, which reached round {round} elsewhere: it is asking its neighbours for it and will not start afresh" }
                : progress;
        }

        return node.Descriptor(app) is { } known
            ? new AppProgress(known.Name, Known: true) { Error = "this node cannot load the app's data (yet): see its log" }
            : new AppProgress("", Known: false);
    }

    private static void Reply(ForestNode node, PeerHandle to, long stamp, LearningMessage answer)
        => node.SendDirect(to, LearningMessage.Tag, answer.ToPayload(), stamp);

    private void OnEnrolled(ForestNode node, LearningMessage m)
    {
        int index = LearningMessage.ReadInt(m.Body, -2);
        if (index == -2 || _volunteered is null || !_volunteered.Contains(m.App))
            return; // the root is not ready (asked again later), or not asked for
        if (index >= 0)
            Hold(m.App, index); // the root's word: a root that changed before training began may give another shard
        else
            _volunteered.Remove(m.App); // every shard is taken: a subscriber that only merges
    }

    public void OnDiscovered(ForestNode node, Advertisement advertisement)
    {
        if (!Volunteer || advertisement.Descriptor.Length == 0 || Holds(advertisement.App, out _) || (_volunteered?.Contains(advertisement.App) ?? false))
            return;
        if (Signatures is not null && ClaimRefusal(node, advertisement.App, advertisement.Descriptor) is not null)
        {
            OwnershipRefusals++; // an app its creator did not sign (or signed for another id): not served
            return;
        }

        if (node.Descriptor(advertisement.App) is null && !node.Discover(advertisement.Descriptor, out _))
        {
            Unserved++;
            return;
        }

        (_volunteered ??= []).Add(advertisement.App);
        App(node, advertisement.App); // start loading its data
        node.Subscribe(advertisement.App);
    }

    public void OnAttached(ForestNode node, NodeId app) => AskForShard(node, app);

    public void OnTimer(ForestNode node, NodeId app)
    {
        AnnounceAgain(node, app);
        AskForShard(node, app); // an enrolment lost, or asked before the data were loaded
        if (node.IsRootOf(app) && TryGet(app, out FederatedApp? fl))
        {
            fl!.MaybeStart(node, _clock()); // the start deadline
            fl.MaybeResume(node, _clock()); // a take-over's grace
        }
    }

    /// <summary>
    /// Something this node waited for may have come (its data finished loading, a second passed): ask for the shards
    /// still missing and let the masters it holds check their start deadline, without waiting for the trees' timer.
    /// </summary>
    public void Nudge(ForestNode node)
    {
        if (_successorOf is not null)
        {
            foreach ((NodeId app, Handed handed) in _successorOf.ToArray())
                WatchAsSuccessor(node, app, handed);
        }

        if (_announcing is not null)
        {
            foreach (NodeId app in _announcing.Keys.ToArray())
                AnnounceAgain(node, app);
        }

        if (_pendingTakeovers is not null)
        {
            foreach (NodeId app in _pendingTakeovers.Keys.ToArray())
                _ = App(node, app); // applies the take-over once the data are here
        }

        if (_volunteered is not null)
        {
            foreach (NodeId app in _volunteered.ToArray())
                AskForShard(node, app);
        }

        if (_apps is null)
            return;
        foreach (FederatedApp fl in _apps.Values)
        {
            if (!node.IsRootOf(fl.Id))
                continue;
            fl.MaybeStart(node, _clock());
            fl.MaybeResume(node, _clock());
        }
    }

    /// <summary>
    /// Enrols only where the root's rounds reach this node: a worker enrolled from a root of its own (formed while the
    /// overlay was settling) or while still joining made a full roster start a round it never got, which closed short.
    /// </summary>
    private void AskForShard(ForestNode node, NodeId app)
    {
        if (_volunteered is null || !_volunteered.Contains(app))
            return;
        if (!node.IsReachedByRounds(app))
        {
            node.StepDownIfStale(app); // a root of its own: it joins the true root's tree at the host's next second, and enrols once there
            return;
        }

        if (App(node, app) is null)
            return;
        Ask(node, LearningOp.Enrol, app, _clock(), LearningMessage.Int(Holds(app, out int held) ? held : -1)); // the shard it holds, if a root gave it one
    }

    /// <summary>The node's instance of the app, made the first time the node meets it (null when it cannot serve it).</summary>
    private Dictionary<NodeId, (int Round, Payload? Checkpoint)>? _pendingTakeovers;

    private FederatedApp? App(ForestNode node, NodeId app)
    {
        if (TryGet(app, out FederatedApp? known))
            return known;
        if (node.Descriptor(app) is not { } descriptor || !LearningAppInfo.TryDecode(descriptor.Application, out LearningAppInfo? info, out _)
            || !_workloads.TryGet(info!, out FederatedWorkload? workload))
        {
            Unserved++;
            return null;
        }

        var fl = new FederatedApp(app, info!, workload!, _observer) { OwnData = OwnData };
        Bind(fl);
        _apps ??= [];
        _apps[app] = fl;
        if (_pendingTakeovers is not null && _pendingTakeovers.Remove(app, out var takeover) && node.IsRootOf(app))
            fl.OnRootTakeover(node, takeover.Round, takeover.Checkpoint, _clock()); // taken over while the data loaded
        return fl;
    }

    private void Bind(FederatedApp fl)
    {
        if (_shares is not null && _shares.TryGetValue(fl.Id, out var share))
        {
            fl.Worker = share.Worker;
            fl.ComputeMicros = share.Compute;
        }
    }
}
