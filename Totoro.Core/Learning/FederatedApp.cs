using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// One FL app on its tree, in any world. At the root (the master): pick the round's participants, broadcast the
/// model with their list attached, apply the server rule to what the tree merged, evaluate, go again. At a
/// subscriber (a worker): if chosen, train and send the update up after the device's compute time; if not, decline
/// so the tree does not wait. Interior nodes merge (ForestNode does that). A root fail-over resumes from the
/// round's replicated checkpoint.
/// </summary>
public sealed class FederatedApp
{
    private readonly FederatedWorkload _workload;
    private readonly ulong _seed;
    private readonly Func<ForestNode, int> _workerOf;
    private readonly Func<int, double, long> _computeMicros;
    private readonly Dictionary<int, (int[] Participants, long StartedAt)> _open = [];

    /// <param name="id">The app's id (its tree).</param>
    /// <param name="workerOf">The worker index a node holds for this app, or −1 when it holds none.</param>
    /// <param name="computeMicros">
    /// How long worker i's device computes for the given FLOPs (the simulator's device model); real nodes pass a
    /// clock that returns 0, because there training takes the time it takes.
    /// </param>
    /// <param name="curve">Timing mode: carry sizes and replay accuracy from this curve.</param>
    public FederatedApp(NodeId id, FederatedWorkload workload, ulong seed, Func<ForestNode, int> workerOf, Func<int, double, long>? computeMicros = null, AccuracyCurve? curve = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(workerOf);
        Id = id;
        _workload = workload;
        _seed = seed;
        _workerOf = workerOf;
        _computeMicros = computeMicros ?? ((_, _) => 0);
        Master = new FederatedMaster(workload, seed, curve);
    }

    public NodeId Id { get; }

    public AppSpec Spec => _workload.Spec;

    public FederatedWorkload Workload => _workload;

    /// <summary>The master's state (valid at whichever node is the root).</summary>
    public FederatedMaster Master { get; }

    /// <summary>Raised at the root after each round.</summary>
    public event Action<FederatedApp, RoundRecord>? RoundCompleted;

    /// <summary>The world time training started (µs), set by <see cref="Start"/>.</summary>
    public long StartedAt { get; private set; } = -1;

    /// <summary>At the root: begins training (round 1).</summary>
    public void Start(ForestNode root, long now)
    {
        StartedAt = now;
        BeginRound(root, now);
    }

    public void OnBroadcast(ForestNode node, int round, Payload payload, long now)
    {
        int worker = _workerOf(node);
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
        long compute = Math.Max(0, _computeMicros(worker, flops));
        Payload update = FederatedWorker.Train(_workload, worker, round, payload, _seed, compute / 1e6);
        node.Aggregate(Id, round, update, compute);
    }

    public void OnAggregated(ForestNode node, int round, Payload merged, long contributions, long now)
    {
        if (!_open.Remove(round, out var open))
            return; // a round this master did not start (a stale one from before a fail-over)
        RoundRecord record = Master.Complete(merged, contributions, open.Participants.Length, (open.StartedAt - StartedAt) / 1e6, (now - StartedAt) / 1e6);
        RoundCompleted?.Invoke(this, record);
        if (!Master.Finished)
            BeginRound(node, now);
    }

    /// <summary>This node became the root after a failure: resume from the replicated round and model.</summary>
    public void OnRootTakeover(ForestNode node, int round, Payload? checkpoint, long now)
    {
        if (StartedAt < 0)
            return; // training had not begun
        _open.Clear();
        Master.Restore(round, checkpoint);
        if (!Master.Finished)
            BeginRound(node, now);
    }

    private void BeginRound(ForestNode root, long now)
    {
        int[] participants = Master.SelectParticipants(Master.CompletedRounds + 1);
        int round = root.Broadcast(Id, Master.RoundPayload(participants));
        _open[round] = (participants, now);
    }
}
