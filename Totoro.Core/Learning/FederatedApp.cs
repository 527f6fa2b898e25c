using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// One FL app as one node serves it, in any world. As the master (the node is the root): pick the round's
/// participants, broadcast the model with their list attached and the master's whole state as the replicas'
/// checkpoint, apply the server rule to what the tree merged, evaluate, go again. As a worker (the node holds a share
/// of the app's data): if chosen, train and send the update up after the device's compute time; if not, decline so
/// the tree does not wait. A node that takes the root over resumes from the checkpoint its replica holds.
/// </summary>
public sealed class FederatedApp
{
    private readonly LearningAppInfo _info;
    private readonly FederatedWorkload _workload;
    private readonly Dictionary<int, (int[] Participants, long StartedAt)> _open = [];
    private readonly ILearningObserver? _observer;
    private readonly Dictionary<NodeId, int> _roster = []; // at the root: which node holds which worker index
    private long _knownSince = -1;
    private bool _submitted; // this root was handed the app by a submit, not told of it by enrolling workers
    private long _resumeAt = -1; // after a take-over in enrolment mode: when the first round goes out
    private bool _stoppedBeforeStart; // its creator stopped it while it still enrolled: it never starts

    /// <summary>How long a master that took over waits for the tree to re-form before its first round (real mode).</summary>
    private const long MaxResumeGraceMicros = 10_000_000;

    public FederatedApp(NodeId id, LearningAppInfo info, FederatedWorkload workload, ILearningObserver? observer)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(workload);
        Id = id;
        _info = info;
        _workload = workload;
        _observer = observer;
    }

    public NodeId Id { get; }

    public LearningAppInfo Info => _info;

    /// <summary>Workers enrolled at this root (enrolment mode: <see cref="LearningAppInfo.MinWorkers"/> &gt; 0).</summary>
    public int EnrolledCount => _roster.Count;

    private bool Enrolling => _info.MinWorkers > 0;

    /// <summary>
    /// At the root: gives <paramref name="worker"/> a worker index (the same one again if it asks again): the shard it
    /// says it holds (<paramref name="held"/>, from a root that has since stepped down) when nobody else has it here, else
    /// the lowest shard nobody holds; −1 when every shard is taken.
    /// </summary>
    public int Enrol(NodeId worker, int held, long now)
    {
        _knownSince = _knownSince < 0 ? now : _knownSince;
        if (_roster.TryGetValue(worker, out int known))
            return known;
        var taken = new HashSet<int>(_roster.Values);
        if (held >= 0 && held < _workload.Shares.Length && taken.Add(held))
        {
            _roster[worker] = held; // a new root keeps the old one's assignment: no shard changes hands
            return held;
        }

        for (int index = 0; index < _workload.Shares.Length; index++)
        {
            if (!taken.Contains(index))
            {
                _roster[worker] = index;
                return index;
            }
        }

        return -1;
    }

    /// <summary>The root learned of the app (a submit): its start deadline counts from now.</summary>
    public void Known(long now)
    {
        _knownSince = _knownSince < 0 ? now : _knownSince;
        _submitted = true;
    }

    /// <summary>
    /// At the root, in enrolment mode: starts training once every shard has a worker, or once the start deadline has
    /// passed with at least the minimum. True when it started now.
    /// </summary>
    public bool MaybeStart(ForestNode root, long now)
    {
        if (!Enrolling || Master is not null || _knownSince < 0 || _stoppedBeforeStart)
            return false;
        bool full = _roster.Count >= _workload.Shares.Length;
        bool due = now - _knownSince >= _info.StartAfterMs * 1000L && _roster.Count >= _info.MinWorkers;
        if (!full && !due)
            return false;
        // A root that learned of the app only from its workers may hold nothing of an app that ran elsewhere (it came
        // back after another node took it over, or a cut healed): ask for its state before starting it afresh.
        if (!_submitted && root.IsPullingState(Id))
            return false;
        Start(root, now);
        return true;
    }

    /// <summary>How often a root still short of workers announces its app again.</summary>
    public const long ReannounceMicros = 5_000_000;

    /// <summary>In enrolment mode, before training: not every share has a worker yet.</summary>
    public bool WantsWorkers => Enrolling && Master is null && !_stoppedBeforeStart && _roster.Count < _workload.Shares.Length;

    /// <summary>
    /// Its creator's stop: the master stops after the round in flight; an app still enrolling never starts (a stop that
    /// came before the first round was otherwise dropped, and the app then trained anyway).
    /// </summary>
    public void Stop()
    {
        if (Master is { } master)
            master.Stop();
        else
            _stoppedBeforeStart = true;
    }

    /// <summary>At a root: it learned of the app from enrolling workers, not a submit, and holds no master yet.</summary>
    public bool Inherited => !_submitted && Master is null;

    /// <summary>The app as this node sees it (the root's view when it is the root).</summary>
    public AppProgress Progress()
    {
        var progress = new AppProgress(Spec.Name, Known: true) { Rounds = Spec.Rounds, Enrolled = _roster.Count, Wanted = Enrolling ? _workload.Shares.Length : 0 };
        if (Master is not { } master)
            return progress with { Stopped = _stoppedBeforeStart };
        RoundRecord? last = master.History.Count > 0 ? master.History[^1] : null;
        return progress with
        {
            Started = true,
            Finished = master.Finished,
            Stopped = master.Stopped,
            Round = master.CompletedRounds,
            Accuracy = master.FinalAccuracy,
            Participants = last?.Participants ?? 0,
            Contributions = last?.Contributions ?? 0,
            Seconds = last?.EndSeconds ?? 0,
            ShortRounds = master.ShortRounds,
            Rejected = master.Rejected,
        };
    }

    public AppSpec Spec => _workload.Spec;

    public FederatedWorkload Workload => _workload;

    /// <summary>The share of the app's data this node holds (−1: none), and how long its device computes for FLOPs.</summary>
    public int Worker { get; internal set; } = -1;

    internal Func<double, long>? ComputeMicros { get; set; }

    /// <summary>The master's state while this node is (or was last) the app's root; null at a node that never was.</summary>
    public FederatedMaster? Master { get; private set; }

    /// <summary>
    /// When training started, on this node's clock (µs; −1 before). After a take-over it is counted back from when the
    /// replica came by the checkpoint's training time, so it is below zero on a host whose clock started later.
    /// </summary>
    public long StartedAt { get; private set; } = -1;

    /// <summary>At the root: begins training (round 1).</summary>
    public void Start(ForestNode root, long now)
    {
        if (Master is not null)
            return; // already training here
        Master = NewMaster();
        StartedAt = now;
        _observer?.OnStarted(Id, Master, now);
        BeginRound(root, now);
    }

    /// <summary>The node's own training data (a shard folder it was given), or null to train on the root's partition.</summary>
    public Dataset? OwnData { get; set; }

    /// <summary>The node's own data fit this app's model (same features and classes), so it trains on them.</summary>
    public bool OwnsData => OwnData is { Count: > 0 } own && own.Dimensions == _workload.Train.Dimensions && own.Classes == _workload.Train.Classes;

    /// <param name="train">Runs the worker's training and hands its update back on the node's turn (off the turn in real mode).</param>
    public void OnBroadcast(ForestNode node, int round, Payload payload, Action<Func<Payload>, Action<Payload>> train)
    {
        uint holder = ParticipantList.HolderOf(node.Overlay.Id);
        if (ParticipantList.IndexFor(payload.Attachment, holder) is int named and >= 0)
            Worker = named; // the root's roster is the truth: a reply from a root that has since stepped down may have said otherwise
        int worker = Worker;
        if (worker < 0 || worker >= _workload.Shares.Length)
        {
            if (node.TryGetTree(Id, out TreeInfo info) && info.IsSubscriber)
                node.Decline(Id, round); // a subscriber with no share: nothing to add
            return;
        }

        if (!ParticipantList.Contains(payload.Attachment, worker, holder))
        {
            node.Decline(Id, round, new WorkerReport(worker, WorkerReport.Declined, 0).Encode()); // says where it lives
            return;
        }

        // A node given its own data (a shard folder) trains on all of it; otherwise on the share the root assigned.
        Dataset data = OwnsData ? OwnData! : _workload.Train;
        int[] share = OwnsData ? OwnData!.AllIndices() : _workload.Shares[worker];
        double flops = FederatedWorker.TrainingFlopsOn(_workload, share.Length);
        long compute = Math.Max(0, ComputeMicros?.Invoke(flops) ?? 0);
        ulong seed = _info.Seed;
        FederatedWorkload workload = _workload;
        train(() => FederatedWorker.Train(workload, data, share, worker, round, payload, seed, compute / 1e6), update => node.Aggregate(Id, round, update, compute));
    }

    public void OnAggregated(ForestNode node, int round, Payload merged, long contributions, long now)
    {
        if (Master is not { } master || !_open.Remove(round, out var open))
            return; // a round this master did not start (a stale one from before a fail-over)
        RoundRecord record = master.Complete(merged, contributions, open.Participants.Length, (open.StartedAt - StartedAt) / 1e6, (now - StartedAt) / 1e6, open.Participants);
        _observer?.OnRoundCompleted(Id, master, record);
        if (!master.Finished)
            BeginRound(node, now);
    }

    /// <summary>
    /// This node became the root after a failure: resume from the replicated checkpoint (the round it was broadcast
    /// for runs again). Without a usable checkpoint the model is lost and training restarts from the initial model
    /// at the tree's round.
    /// </summary>
    public void OnRootTakeover(ForestNode node, int round, Payload? checkpoint, long now)
    {
        if (round <= 0 && checkpoint is null)
            return; // the app never broadcast: nothing to resume
        _open.Clear();
        FederatedMaster master = NewMaster();
        bool restored = master.Restore(checkpoint, round, out long elapsed, out byte[] roster);
        ReadRoster(roster);
        Master = master;
        // The checkpoint counts training up to its broadcast; since then, time passed on this node's clock only.
        long since = node.TryGetTree(Id, out TreeInfo tree) && tree.ReplicaSince >= 0 && tree.ReplicaSince <= now ? tree.ReplicaSince : now;
        StartedAt = elapsed >= 0 ? since - elapsed : now;
        _observer?.OnResumed(Id, master, restored, now);
        if (master.Finished)
            return;
        if (Enrolling && Spec.RoundDeadlineMs > 0)
        {
            // The dead root's children are still re-joining: a round now would reach only those attached, and the
            // rest would be marked silent. Give the tree a round deadline (at most 10 s) to re-form first.
            _resumeAt = now + Math.Min(Spec.RoundDeadlineMs * 1000L, MaxResumeGraceMicros);
            return;
        }

        BeginRound(node, now);
    }

    /// <summary>A master that took over resumes once its grace has passed (checked every second and on the tree's timer).</summary>
    public void MaybeResume(ForestNode root, long now)
    {
        if (_resumeAt < 0 || now < _resumeAt || Master is not { Finished: false } || !root.IsRootOf(Id))
            return;
        _resumeAt = -1;
        BeginRound(root, now);
    }

    private FederatedMaster NewMaster() => new(_workload, _info.Seed, _info.AccuracyCurve, _info.Timing);

    private void BeginRound(ForestNode root, long now)
    {
        FederatedMaster master = Master!;
        int masterRound = master.CompletedRounds + 1;
        int[] participants = master.SelectParticipants(masterRound, Enrolling ? _roster.Values : null);
        Payload model = master.RoundPayload(participants, Enrolling ? Holders(participants) : null);
        int round = root.Broadcast(Id, model, master.Checkpoint(model, masterRound, now - StartedAt, Enrolling ? WriteRoster() : null), final: masterRound >= Spec.Rounds);
        _open[round] = (participants, now);
    }

    /// <summary>The holder tag of each participant's shard, from the roster.</summary>
    private uint[] Holders(int[] participants)
    {
        var byIndex = new Dictionary<int, uint>(_roster.Count);
        foreach ((NodeId node, int index) in _roster)
            byIndex[index] = ParticipantList.HolderOf(node);
        return [.. participants.Select(p => byIndex.GetValueOrDefault(p))];
    }

    /// <summary>The roster as it rides in the checkpoint: count i32 | (node id 16, worker index i32) each.</summary>
    private byte[] WriteRoster()
    {
        var bytes = new byte[4 + (20 * _roster.Count)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, _roster.Count);
        int at = 4;
        foreach ((NodeId node, int index) in _roster)
        {
            node.WriteBytes(bytes.AsSpan(at));
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at + 16), index);
            at += 20;
        }

        return bytes;
    }

    private void ReadRoster(byte[] bytes)
    {
        if (bytes.Length < 4)
            return;
        int count = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (count < 0 || bytes.Length != 4 + (20L * count))
            return;
        _roster.Clear();
        for (int i = 0, at = 4; i < count; i++, at += 20)
            _roster[NodeId.FromBytes(bytes.AsSpan(at, 16))] = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 16));
    }
}
