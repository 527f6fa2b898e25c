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
    /// Takes over from a replicated checkpoint: the global model broadcast for round <paramref name="round"/>, so
    /// rounds before it are done and it runs again. An adaptive rule's moments are not replicated: they restart.
    /// Returns false when the checkpoint holds no usable model: then the model is lost and training goes on from
    /// the initial one (this object may be shared by every node of a simulated world, so keeping the old model
    /// here would hide the loss).
    /// </summary>
    public bool Restore(int round, Payload? checkpoint)
    {
        bool restored;
        if (IsTiming)
        {
            restored = checkpoint is not null;
        }
        else if (checkpoint?.Vector is { } model && model.Length == _workload.Model.ParameterCount)
        {
            _global = (float[])model.Clone();
            restored = true;
        }
        else
        {
            _global = _workload.InitialModel(_seed);
            restored = false;
        }

        CompletedRounds = Math.Max(0, round - 1);
        _rule = ServerRules.Create(Spec);
        return restored;
    }

    private (double Accuracy, double Loss) Evaluate(int round)
    {
        if (IsTiming)
            return _curve?.After(round) ?? (double.NaN, double.NaN);
        EvaluationResult result = Evaluation.Evaluate(_workload.Model, _global, _workload.Test);
        return (Math.Round(result.Accuracy, 4), Math.Round(result.Loss, 4));
    }
}
