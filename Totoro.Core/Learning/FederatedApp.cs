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

    // Tree round → the master's round it carried. They part after a take-over (the heir broadcasts the redone round
    // under a new tree round), so a second take-over must not read a tree round as a master round.
    private readonly Dictionary<int, int> _masterRoundOf = [];

    /// <param name="id">The app's id (its tree).</param>
    /// <param name="workerOf">The worker index a node holds for this app, or −1 when it holds none.</param>
    /// <param name="computeMicros">
    /// How long worker i's device computes for the given FLOPs (the simulator's device model); real nodes pass a
    /// clock that returns 0, because there training takes the time it takes.
    /// </param>
    /// <param name="curve">Timing mode: carry sizes and replay accuracy from this curve.</param>
    /// <param name="timing">Timing mode: sizes instead of floats (accuracy from <paramref name="curve"/>, if any).</param>
    public FederatedApp(NodeId id, FederatedWorkload workload, ulong seed, Func<ForestNode, int> workerOf, Func<int, double, long>? computeMicros = null, AccuracyCurve? curve = null, bool timing = false)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(workerOf);
        Id = id;
        _workload = workload;
        _seed = seed;
        _workerOf = workerOf;
        _computeMicros = computeMicros ?? ((_, _) => 0);
        Master = new FederatedMaster(workload, seed, curve, timing);
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

    /// <summary>Times a replica holder took this app over after its root died or left.</summary>
    public int Takeovers { get; private set; }

    /// <summary>Completed rounds a take-over threw away (the heir's replica was older than the dead root's state).</summary>
    public int RoundsLost { get; private set; }

    /// <summary>Take-overs that found no model in the replica, so training restarted from the initial model.</summary>
    public int ModelsLost { get; private set; }

    /// <summary>This node became the root after a failure: resume from the replicated round and model.</summary>
    public void OnRootTakeover(ForestNode node, int round, Payload? checkpoint, long now)
    {
        if (StartedAt < 0)
            return; // training had not begun
        Takeovers++;
        _open.Clear();
        if (Master.Finished)
            return; // done before the root died: nothing to resume, and the last round must not run again
        int completed = Master.CompletedRounds;
        int masterRound = _masterRoundOf.TryGetValue(round, out int known) ? known : round;
        if (!Master.Restore(masterRound, checkpoint) && masterRound > 1)
            ModelsLost++;
        RoundsLost += Math.Max(0, completed - Master.CompletedRounds);
        if (!Master.Finished)
            BeginRound(node, now);
    }

    private void BeginRound(ForestNode root, long now)
    {
        int[] participants = Master.SelectParticipants(Master.CompletedRounds + 1);
        int round = root.Broadcast(Id, Master.RoundPayload(participants));
        _open[round] = (participants, now);
        _masterRoundOf[round] = Master.CompletedRounds + 1;
    }
}
