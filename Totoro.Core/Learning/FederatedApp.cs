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

    public AppSpec Spec => _workload.Spec;

    public FederatedWorkload Workload => _workload;

    /// <summary>The share of the app's data this node holds (−1: none), and how long its device computes for FLOPs.</summary>
    public int Worker { get; internal set; } = -1;

    internal Func<double, long>? ComputeMicros { get; set; }

    /// <summary>The master's state while this node is (or was last) the app's root; null at a node that never was.</summary>
    public FederatedMaster? Master { get; private set; }

    /// <summary>The world time training started (µs), as the master knows it; −1 before.</summary>
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

    /// <param name="train">Runs the worker's training and hands its update back on the node's turn (off the turn in real mode).</param>
    public void OnBroadcast(ForestNode node, int round, Payload payload, Action<Func<Payload>, Action<Payload>> train)
    {
        int worker = Worker;
        if (worker < 0 || worker >= _workload.Shares.Length)
        {
            if (node.TryGetTree(Id, out TreeInfo info) && info.IsSubscriber)
                node.Decline(Id, round); // a subscriber with no share: nothing to add
            return;
        }

        if (!ParticipantList.Contains(payload.Attachment, worker))
        {
            node.Decline(Id, round, new WorkerReport(worker, WorkerReport.Declined, 0).Encode()); // says where it lives
            return;
        }

        double flops = FederatedWorker.TrainingFlops(_workload, worker);
        long compute = Math.Max(0, ComputeMicros?.Invoke(flops) ?? 0);
        ulong seed = _info.Seed;
        FederatedWorkload workload = _workload;
        train(() => FederatedWorker.Train(workload, worker, round, payload, seed, compute / 1e6), update => node.Aggregate(Id, round, update, compute));
    }

    public void OnAggregated(ForestNode node, int round, Payload merged, long contributions, long now)
    {
        if (Master is not { } master || !_open.Remove(round, out var open))
            return; // a round this master did not start (a stale one from before a fail-over)
        RoundRecord record = master.Complete(merged, contributions, open.Participants.Length, (open.StartedAt - StartedAt) / 1e6, (now - StartedAt) / 1e6);
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
        bool restored = master.Restore(checkpoint, round, out long startedAt);
        Master = master;
        StartedAt = startedAt >= 0 ? startedAt : now;
        _observer?.OnResumed(Id, master, restored, now);
        if (!master.Finished)
            BeginRound(node, now);
    }

    private FederatedMaster NewMaster() => new(_workload, _info.Seed, _info.AccuracyCurve, _info.Timing);

    private void BeginRound(ForestNode root, long now)
    {
        FederatedMaster master = Master!;
        int masterRound = master.CompletedRounds + 1;
        int[] participants = master.SelectParticipants(masterRound);
        Payload model = master.RoundPayload(participants);
        int round = root.Broadcast(Id, model, master.Checkpoint(model, masterRound, StartedAt));
        _open[round] = (participants, now);
    }
}
