using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// The master's part of an app, whatever carries its messages (a tree, a star, a central coordinator): choose the
/// round's participants, hand out the model, turn the merged updates into the next global model with the server
/// rule, evaluate, and know when the app is done. In timing mode it carries only sizes and replays accuracy from a
/// curve measured by a real run.
/// </summary>
public sealed class FederatedMaster
{
    private readonly FederatedWorkload _workload;
    private readonly ulong _seed;
    private readonly AccuracyCurve? _curve;
    private readonly IClientSelector _selector;
    private readonly List<RoundRecord> _history = [];
    private readonly Dictionary<int, (int Misses, int Until)> _silent = []; // worker → rounds missed in a row, first round it may be asked again
    private IServerRule _rule;
    private readonly BundleRule? _bundle;
    private float[] _global;
    private double _lastAccuracy = double.NaN;

    /// <param name="curve">Accuracy after each round, replayed in timing mode.</param>
    /// <param name="timing">Timing mode: no floats move; accuracy comes from the curve (NaN without one).</param>
    public FederatedMaster(FederatedWorkload workload, ulong seed, AccuracyCurve? curve = null, bool timing = false)
    {
        ArgumentNullException.ThrowIfNull(workload);
        _workload = workload;
        _seed = seed;
        _curve = curve;
        IsTiming = timing || curve is not null;
        _rule = ServerRules.Create(workload.Spec);
        _bundle = ServerRules.Merge(workload.Spec, workload.Model.ParameterCount) as BundleRule;
        _selector = IClientSelector.Create(workload.Spec.Selection, workload.Spec.Workers, workload.Shares.Select(s => s.Length).ToArray());
        _global = IsTiming ? [] : workload.InitialModel(seed);
    }

    public AppSpec Spec => _workload.Spec;

    public bool IsTiming { get; }

    /// <summary>The global model after the last completed round (empty in timing mode).</summary>
    public float[] Global => _global;

    public int CompletedRounds { get; private set; }

    public IReadOnlyList<RoundRecord> History => _history;

    /// <summary>World time (seconds) of the round that first reached the target accuracy, if any.</summary>
    public double? TargetReachedSeconds { get; private set; }

    /// <summary>Every round ran, the target accuracy was reached, or the app was stopped.</summary>
    public bool Finished => CompletedRounds >= Spec.Rounds || TargetReachedSeconds is not null || Stopped;

    /// <summary>Stopped on request before it finished.</summary>
    public bool Stopped { get; private set; }

    public double FinalAccuracy => _lastAccuracy;

    /// <summary>Merged updates the master refused to apply because they were not finite.</summary>
    public long Rejected { get; private set; }

    /// <summary>
    /// Workers that let a round close without their update. One is not selected again until it is heard from (a report
    /// or a decline climbs the tree) or its back-off has passed: 2, 4, then 8 rounds after its 1st, 2nd, 3rd miss in a
    /// row. (With participant routing a worker that is not selected may hear no round at all, so back-off is what
    /// gives a worker whose subtree was only cut off for a while its place back.)
    /// </summary>
    public IReadOnlyCollection<int> Silent => _silent.Keys;

    private const int MaxBackoffExponent = 3;

    /// <summary>Rounds that did not merge exactly the updates they selected: fewer (a worker silent) or more (a shard counted twice).</summary>
    public int ShortRounds => _history.Count(r => r.Contributions != r.Participants);

    /// <summary>Stops training: no further round begins.</summary>
    public void Stop() => Stopped = true;

    /// <summary>
    /// The participants of round <paramref name="round"/>, among <paramref name="enrolled"/> (null: every worker) less
    /// the silent ones: the same for the same seed and history in every world.
    /// </summary>
    public int[] SelectParticipants(int round, IReadOnlyCollection<int>? enrolled = null)
    {
        IReadOnlyList<int>? eligible = null;
        if (enrolled is not null || _silent.Count > 0)
        {
            IEnumerable<int> pool = enrolled ?? Enumerable.Range(0, Spec.Workers);
            eligible = [.. pool.Where(w => !_silent.TryGetValue(w, out var s) || round >= s.Until).Order()];
        }

        return _selector.Select(round, Spec.Participants, new Random(SeedStreams.Int(_seed, 0x5e1ec7UL + (ulong)round)), eligible);
    }

    /// <summary>What the master sends down: the model (or its size) with the participant list attached.</summary>
    /// <param name="holders">The node each participant's shard was given to (<see cref="ParticipantList.HolderOf"/>), or null: whoever holds it.</param>
    public Payload RoundPayload(int[] participants, IReadOnlyList<uint>? holders = null)
    {
        Payload model = IsTiming ? Payload.SizeOnly(_workload.ModelBytes) : Payload.FromVector((float[])_global.Clone());
        return model.WithAttachment(ParticipantList.Encode(participants, holders));
    }

    /// <summary>
    /// Closes a round: applies the server rule to the merged updates (a weighted sum, or a bundle for robust rules),
    /// evaluates when due, records it. A round in which no update arrived leaves the model as it was.
    /// </summary>
    /// <param name="selected">The round's participants: those whose update did not come are marked silent.</param>
    public RoundRecord Complete(Payload merged, long contributions, int participants, double startSeconds, double endSeconds, int[]? selected = null)
    {
        ArgumentNullException.ThrowIfNull(merged);
        int round = ++CompletedRounds;
        List<WorkerReport> reports = WorkerReport.DecodeAll(merged.Attachment);
        foreach (WorkerReport report in reports)
        {
            if (report.IsParticipation)
                _selector.Observe(round, report);
            _silent.Remove(report.Worker); // heard from: selectable again at once
        }

        if (selected is not null)
        {
            foreach (int worker in selected)
            {
                if (!reports.Exists(r => r.Worker == worker && r.IsParticipation))
                {
                    int misses = _silent.TryGetValue(worker, out var s) ? s.Misses + 1 : 1;
                    _silent[worker] = (misses, round + 1 + (1 << Math.Min(misses, MaxBackoffExponent)));
                }
            }
        }

        if (!merged.IsFinite)
        {
            Rejected += contributions; // never applied: one NaN would poison the global model
            contributions = 0;
        }
        else if (!IsTiming && merged.Vector is not null && merged.Weight > 0)
        {
            float[] update = _bundle is not null ? _bundle.Reduce(merged) : WeightedSumRule.Average(merged);
            _global = _rule.Apply(_global, update);
        }

        double accuracy = double.NaN, loss = double.NaN;
        if (round % Spec.EvaluateEvery == 0 || round >= Spec.Rounds)
            (accuracy, loss) = Evaluate(round);
        if (!double.IsNaN(accuracy))
        {
            _lastAccuracy = accuracy;
            if (Spec.TargetAccuracy > 0 && accuracy >= Spec.TargetAccuracy)
                TargetReachedSeconds ??= endSeconds;
        }

        var record = new RoundRecord(round, endSeconds, endSeconds - startSeconds, participants, contributions, accuracy, loss);
        _history.Add(record);
        return record;
    }

    /// <summary>
    /// The master's whole state as its replicas keep it, taken when round <paramref name="round"/> is broadcast: the
    /// global model (the round's model, or its size in timing mode) with everything else — rounds done, history,
    /// the server rule's moments, the selector's knowledge, the training time so far — in the attachment
    /// (<see cref="MasterCheckpoint"/>).
    /// </summary>
    /// <param name="elapsedMicros">Training time up to this broadcast, on the master's clock: a duration, which any clock can carry on.</param>
    /// <param name="extra">The app's own state that must survive a take-over with the master's (its roster of workers).</param>
    public Payload Checkpoint(Payload roundPayload, int round, long elapsedMicros, byte[]? extra = null)
    {
        ArgumentNullException.ThrowIfNull(roundPayload);
        byte[] state = MasterCheckpoint.Encode(new MasterCheckpoint.State(
            round, elapsedMicros, TargetReachedSeconds ?? double.NaN, _lastAccuracy, _history, _rule.SaveState(), _selector.SaveState())
        {
            Silent = [.. _silent.OrderBy(s => s.Key).SelectMany(s => (int[])[s.Key, s.Value.Misses, s.Value.Until])],
            Stopped = Stopped,
            Rejected = Rejected,
            Extra = extra ?? [],
        });
        return roundPayload.WithAttachment(state);
    }

    /// <summary>
    /// Takes over from a replicated checkpoint: round <see cref="MasterCheckpoint.State.Round"/> runs again from the
    /// model it was broadcast with, and everything the dead master knew comes back with it. Returns false, with the
    /// master reset to the initial model at <paramref name="fallbackRound"/>, when the checkpoint holds no usable
    /// model or state: then the model is lost.
    /// </summary>
    /// <param name="elapsedMicros">Training time up to the checkpoint's broadcast (−1: unknown).</param>
    public bool Restore(Payload? checkpoint, int fallbackRound, out long elapsedMicros) => Restore(checkpoint, fallbackRound, out elapsedMicros, out _);

    /// <param name="extra">The app's own state saved with the checkpoint (empty when none).</param>
    public bool Restore(Payload? checkpoint, int fallbackRound, out long elapsedMicros, out byte[] extra)
    {
        elapsedMicros = -1;
        extra = [];
        bool haveModel = IsTiming ? checkpoint is not null : checkpoint?.Vector is { } v && v.Length == _workload.Model.ParameterCount;
        if (haveModel && MasterCheckpoint.TryDecode(checkpoint!.Attachment, out MasterCheckpoint.State? state)
            && _rule.RestoreState(state!.Rule) && _selector.RestoreState(state.Selector))
        {
            _global = IsTiming ? [] : (float[])checkpoint.Vector!.Clone();
            _history.Clear();
            _history.AddRange(state.History);
            CompletedRounds = Math.Max(0, state.Round - 1);
            TargetReachedSeconds = double.IsNaN(state.TargetReachedSeconds) ? null : state.TargetReachedSeconds;
            _lastAccuracy = state.LastAccuracy;
            _silent.Clear();
            for (int i = 0; i + 2 < state.Silent.Length; i += 3)
                _silent[state.Silent[i]] = (state.Silent[i + 1], state.Silent[i + 2]);
            Stopped = state.Stopped;
            Rejected = state.Rejected;
            elapsedMicros = state.ElapsedMicros;
            extra = state.Extra;
            return true;
        }

        _global = IsTiming ? [] : _workload.InitialModel(_seed);
        _rule = ServerRules.Create(Spec);
        CompletedRounds = Math.Max(0, fallbackRound - 1);
        return false;
    }

    private (double Accuracy, double Loss) Evaluate(int round)
    {
        if (IsTiming)
            return _curve?.After(round) ?? (double.NaN, double.NaN);
        EvaluationResult result = Evaluation.Evaluate(_workload.Model, _global, _workload.Test);
        return (Math.Round(result.Accuracy, 4), Math.Round(result.Loss, 4));
    }
}
