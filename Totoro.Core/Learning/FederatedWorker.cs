using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// A worker's part of a round: train from the round's model on the local share and package the update. Averaging
/// rules send nᵢ·(wᵢ − w) with weight nᵢ, so the tree's sums give the exact sample-weighted mean; robust rules send
/// (wᵢ − w), a bundle of one. The report rides along as an attachment. Deterministic per (seed, worker, round).
/// </summary>
public static class FederatedWorker
{
    /// <summary>Training FLOPs: three forward passes per sample and epoch (forward, backward twice as dear); 6P for a dense model.</summary>
    public static double TrainingFlops(FederatedWorkload workload, int worker)
        => TrainingFlopsOn(workload, workload.Shares[worker].Length);

    /// <summary>Training FLOPs of a round on <paramref name="samples"/> samples.</summary>
    public static double TrainingFlopsOn(FederatedWorkload workload, int samples)
        => 3.0 * workload.Model.ForwardFlops * samples * workload.Spec.LocalEpochs;

    /// <summary>
    /// The contribution of <paramref name="worker"/> for <paramref name="round"/>. In timing mode (a size-only
    /// model) nothing is trained: the update is a size with the sample count as weight, and the loss reported is 1.
    /// </summary>
    public static Payload Train(FederatedWorkload workload, int worker, int round, Payload model, ulong seed, double computeSeconds)
        => Train(workload, workload.Train, workload.Shares[worker], worker, round, model, seed, computeSeconds);

    /// <summary>As above, on <paramref name="share"/> of <paramref name="data"/>: the root's partition, or a node's own data.</summary>
    public static Payload Train(FederatedWorkload workload, Dataset data, int[] share, int worker, int round, Payload model, ulong seed, double computeSeconds)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(model);
        AppSpec spec = workload.Spec;
        if (model.Vector is not { } global)
        {
            var timed = new WorkerReport(worker, 1, (float)computeSeconds);
            return Payload.SizeOnly(workload.ModelBytes, share.Length).WithAttachment(timed.Encode());
        }

        var local = (float[])global.Clone();
        var options = new LocalTrainingOptions(spec.LocalEpochs, spec.BatchSize, spec.LearningRate, spec.Rule == "fedprox" ? spec.ProximalMu : 0);
        var random = new Random(SeedStreams.Int(seed, ((ulong)(uint)worker << 24) | (uint)round));
        double loss = LocalTrainer.Train(workload.Model, local, data, share, options, random, global);
        bool weighted = spec.IsAveragingRule;
        var update = new float[local.Length];
        for (int i = 0; i < update.Length; i++)
            update[i] = weighted ? share.Length * (local[i] - global[i]) : local[i] - global[i];
        if (ByzantineAttack.IsByzantine(spec, seed, worker))
            ByzantineAttack.Corrupt(spec, seed, worker, round, update); // an experiment's attacker: same weight, poisoned values
        var report = new WorkerReport(worker, (float)loss, (float)computeSeconds);
        return Payload.FromVector(update, share.Length).WithAttachment(report.Encode());
    }
}
