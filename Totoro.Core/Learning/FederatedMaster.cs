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

    /// <summary>Every round ran, or the target accuracy was reached.</summary>
    public bool Finished => CompletedRounds >= Spec.Rounds || TargetReachedSeconds is not null;

    public double FinalAccuracy => _lastAccuracy;

    /// <summary>The participants of round <paramref name="round"/>: the same for the same seed in every world.</summary>
    public int[] SelectParticipants(int round)
        => _selector.Select(round, Spec.Participants, new Random(SeedStreams.Int(_seed, 0x5e1ec7UL + (ulong)round)));

    /// <summary>What the master sends down: the model (or its size) with the participant list attached.</summary>
    public Payload RoundPayload(int[] participants)
    {
        Payload model = IsTiming ? Payload.SizeOnly(_workload.ModelBytes) : Payload.FromVector((float[])_global.Clone());
        return model.WithAttachment(ParticipantList.Encode(participants));
    }

    /// <summary>
    /// Closes a round: applies the server rule to the merged updates (a weighted sum, or a bundle for robust rules),
    /// evaluates when due, records it. A round in which no update arrived leaves the model as it was.
    /// </summary>
    public RoundRecord Complete(Payload merged, long contributions, int participants, double startSeconds, double endSeconds)
    {
        ArgumentNullException.ThrowIfNull(merged);
        int round = ++CompletedRounds;
        foreach (WorkerReport report in WorkerReport.DecodeAll(merged.Attachment))
        {
            if (report.IsParticipation)
                _selector.Observe(round, report);
        }

        if (!IsTiming && merged.Vector is not null && merged.Weight > 0)
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
    /// the server rule's moments, the selector's knowledge, the start time — in the attachment
    /// (<see cref="MasterCheckpoint"/>).
    /// </summary>
    public Payload Checkpoint(Payload roundPayload, int round, long startedAt)
    {
        ArgumentNullException.ThrowIfNull(roundPayload);
        byte[] state = MasterCheckpoint.Encode(new MasterCheckpoint.State(
            round, startedAt, TargetReachedSeconds ?? double.NaN, _lastAccuracy, _history, _rule.SaveState(), _selector.SaveState()));
        return roundPayload.WithAttachment(state);
    }

    /// <summary>
    /// Takes over from a replicated checkpoint: round <see cref="MasterCheckpoint.State.Round"/> runs again from the
    /// model it was broadcast with, and everything the dead master knew comes back with it. Returns false, with the
    /// master reset to the initial model at <paramref name="fallbackRound"/>, when the checkpoint holds no usable
    /// model or state: then the model is lost.
    /// </summary>
    public bool Restore(Payload? checkpoint, int fallbackRound, out long startedAt)
    {
        startedAt = -1;
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
            startedAt = state.StartedAt;
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
