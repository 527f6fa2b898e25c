using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Learning;

/// <summary>
/// One FedAvg round end to end on the primitives: workers train, send nᵢ·Δᵢ with weight nᵢ, the tree's weighted-sum
/// merges run in a random shape, and the root's result equals the flat sample-weighted average of the clients' models.
/// </summary>
public class TreeFedAvgTests
{
    [Fact]
    public void Tree_merged_round_equals_flat_weighted_average_of_client_models()
    {
        FederatedData data = SyntheticLeaf.Generate(0.5, 0.5, clients: 9, samplesPerClient: 30, seed: 5);
        var model = new MlpModel(SyntheticLeaf.DefaultDimensions, 8, SyntheticLeaf.DefaultClasses);
        var global = new float[model.ParameterCount];
        model.Initialize(global, seed: 1);
        var random = new Random(3);

        var clientModels = new List<(float[] Model, int Samples)>();
        var contributions = new List<Payload>();
        for (int c = 0; c < data.ClientIndices.Length; c++)
        {
            // Unequal sample counts so the weighting matters.
            int[] indices = data.ClientIndices[c][..(10 + (2 * c))];
            var local = (float[])global.Clone();
            LocalTrainer.Train(model, local, data.Data, indices, new LocalTrainingOptions(2, 5, 0.05f), new Random(c));
            clientModels.Add((local, indices.Length));
            var weighted = new float[local.Length];
            for (int i = 0; i < local.Length; i++)
                weighted[i] = indices.Length * (local[i] - global[i]);
            contributions.Add(Payload.FromVector(weighted, indices.Length));
        }

        var pool = contributions.OrderBy(_ => random.Next()).ToList();
        while (pool.Count > 1)
        {
            int i = random.Next(pool.Count);
            Payload a = pool[i];
            pool.RemoveAt(i);
            int j = random.Next(pool.Count);
            pool[j] = WeightedSumRule.Instance.Merge(pool[j], a);
        }

        float[] next = new FedAvg().Apply(global, WeightedSumRule.Average(pool[0]));

        double total = clientModels.Sum(m => m.Samples);
        for (int i = 0; i < next.Length; i++)
        {
            double flat = clientModels.Sum(m => m.Samples * (double)m.Model[i]) / total;
            Assert.True(Math.Abs(next[i] - flat) <= 1e-5 * Math.Max(1, Math.Abs(flat)), $"parameter {i}: tree {next[i]}, flat {flat}");
        }
    }
}
