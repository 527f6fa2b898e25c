using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Learning;

public class FederatedRolesTests
{
    private static readonly AppSpec Synthetic = new() { Dataset = "synthetic", Partition = PartitionSpec.Natural, Workers = 12, ClientsPerRound = 4, Rounds = 3, LearningRate = 0.1f };

    [Theory]
    [InlineData("iid", "iid")]
    [InlineData("Dirichlet:0.5", "dirichlet:0.5")]
    [InlineData("shards:2", "shards:2")]
    [InlineData("natural", "natural")]
    public void Partitions_parse_and_print_back(string text, string printed)
    {
        Assert.True(PartitionSpec.TryParse(text, out PartitionSpec spec, out string? error), error);
        Assert.Equal(printed, spec.ToString());
    }

    [Theory]
    [InlineData("dirichlet")]
    [InlineData("dirichlet:0")]
    [InlineData("dirichlet:abc")]
    [InlineData("shards:0")]
    [InlineData("iid:3")]
    [InlineData("zipf")]
    public void Bad_partitions_are_refused_with_the_accepted_forms(string text)
    {
        Assert.False(PartitionSpec.TryParse(text, out _, out string? error));
        Assert.Contains("dirichlet:ALPHA", error);
    }

    [Fact]
    public void Participant_lists_and_reports_survive_the_codec_as_attachments()
    {
        var directory = new TestDirectory();
        Payload down = Payload.FromVector([1f, 2f, 3f]).WithAttachment(ParticipantList.Encode([2, 5, 9]));
        Payload up = Payload.SizeOnly(4000, 60).WithAttachment(new WorkerReport(7, 0.5f, 1.25f).Encode());
        foreach (Payload payload in new[] { down, up })
        {
            var message = new Message { Kind = TreeKind.Aggregate, Key = NodeId.FromRandom(1, 2), Round = 4, Payload = payload };
            byte[] bytes = MessageCodec.Encode(message, directory);
            Assert.True(MessageCodec.TryDecode(bytes, directory, out Message decoded, out string? error), error);
            Assert.Equal(payload.Attachment, decoded.Payload!.Attachment);
            Assert.Equal(payload.Bytes, decoded.Payload.Bytes);
            Assert.Equal(payload.Vector, decoded.Payload.Vector);

            // Any cut inside the attachment is refused with a reason, never thrown.
            for (int cut = 1; cut <= payload.Attachment!.Length + 4; cut++)
            {
                Assert.False(MessageCodec.TryDecode(bytes.AsSpan(0, bytes.Length - cut), directory, out _, out string? reason));
                Assert.False(string.IsNullOrEmpty(reason));
            }
        }

        Assert.True(ParticipantList.Contains(down.Attachment, 5));
        Assert.False(ParticipantList.Contains(down.Attachment, 4));
    }

    [Fact]
    public void Merging_sums_the_contents_and_gathers_every_report_whatever_the_order()
    {
        Payload a = Payload.FromVector([1f, 1f], 2).WithAttachment(new WorkerReport(3, 0.1f, 1).Encode());
        Payload b = Payload.FromVector([2f, 0f], 1).WithAttachment(new WorkerReport(1, 0.2f, 2).Encode());
        Payload c = Payload.FromVector([0f, 5f], 4);
        Payload left = ContributionMerge.Merge(WeightedSumRule.Instance, ContributionMerge.Merge(WeightedSumRule.Instance, a, b), c);
        Payload right = ContributionMerge.Merge(WeightedSumRule.Instance, c, ContributionMerge.Merge(WeightedSumRule.Instance, b, a));
        Assert.Equal(new[] { 3f, 6f }, left.Vector);
        Assert.Equal(left.Vector, right.Vector);
        Assert.Equal(7, left.Weight);
        Assert.Equal(WorkerReport.DecodeAll(left.Attachment), WorkerReport.DecodeAll(right.Attachment));
        Assert.Equal(new[] { 1, 3 }, WorkerReport.DecodeAll(left.Attachment).Select(r => r.Worker));
    }

    [Fact]
    public void Random_selection_is_distinct_sorted_and_fair()
    {
        var selector = new RandomSelector(100);
        var counts = new int[100];
        var random = new Random(4);
        for (int round = 1; round <= 2000; round++)
        {
            int[] chosen = selector.Select(round, 10, random);
            Assert.Equal(10, chosen.Distinct().Count());
            Assert.Equal(chosen.Order(), chosen);
            foreach (int w in chosen)
                counts[w]++;
        }

        // Each worker: Binomial(2000, 0.1), mean 200, sd ≈ 13.4; ±5 sd.
        Assert.All(counts, c => Assert.InRange(c, 133, 267));
    }

    [Fact]
    public void Oort_prefers_high_loss_on_fast_devices_and_penalises_a_straggler()
    {
        var selector = new OortSelector(20, Enumerable.Repeat(100, 20).ToArray());
        for (int w = 0; w < 20; w++)
            selector.Observe(1, new WorkerReport(w, w + 1, w == 19 ? 100 : 1));

        // Every worker explored: the five highest utilities are the highest losses, except 19, who took 100× the
        // median time and is scaled by (1/100)².
        int[] chosen = selector.Select(2, 5, new Random(1));
        Assert.Equal(new[] { 14, 15, 16, 17, 18 }, chosen);
    }

    [Fact]
    public void Oort_explores_workers_it_has_not_tried()
    {
        var selector = new OortSelector(30, Enumerable.Repeat(50, 30).ToArray());
        for (int w = 0; w < 10; w++)
            selector.Observe(1, new WorkerReport(w, 1, 1));
        int[] chosen = selector.Select(2, 10, new Random(3));
        Assert.Equal(2, chosen.Count(w => w >= 10)); // ε = 0.2 of 10 slots go to the untried
    }

    [Fact]
    public void A_weighted_update_is_n_times_the_robust_rules_update_and_fedprox_stays_closer()
    {
        ulong seed = 9;
        FederatedWorkload avg = FederatedWorkload.Load(Synthetic, seed);
        FederatedWorkload median = FederatedWorkload.Load(Synthetic with { Rule = "median" }, seed);
        FederatedWorkload prox = FederatedWorkload.Load(Synthetic with { Rule = "fedprox", ProximalMu = 1f }, seed);
        Payload model = Payload.FromVector(avg.InitialModel(seed));
        int n = avg.Shares[3].Length;

        float[] weighted = FederatedWorker.Train(avg, 3, 1, model, seed, 0).Vector!;
        float[] plain = FederatedWorker.Train(median, 3, 1, model, seed, 0).Vector!;
        float[] proximal = FederatedWorker.Train(prox, 3, 1, model, seed, 0).Vector!;
        for (int i = 0; i < weighted.Length; i++)
            Assert.Equal(weighted[i], n * plain[i], 3);
        double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));
        Assert.True(Norm(proximal) < Norm(weighted), "the proximal term must pull the local model towards the global one");
    }

    [Fact]
    public void A_master_resumes_from_a_checkpoint_and_reruns_that_round()
    {
        ulong seed = 5;
        FederatedWorkload workload = FederatedWorkload.Load(Synthetic, seed);
        var master = new FederatedMaster(workload, seed);
        int[] participants = master.SelectParticipants(1);
        Payload merged = participants
            .Select(w => FederatedWorker.Train(workload, w, 1, master.RoundPayload(participants), seed, 0))
            .Aggregate((x, y) => ContributionMerge.Merge(WeightedSumRule.Instance, x, y));
        master.Complete(merged, participants.Length, participants.Length, 0, 1);
        Payload checkpoint = master.Checkpoint(master.RoundPayload(master.SelectParticipants(2)), 2, elapsedMicros: 17); // what round 2's broadcast replicates
        float[] afterRound1 = (float[])master.Global.Clone();

        var successor = new FederatedMaster(workload, seed);
        Assert.True(successor.Restore(checkpoint, 2, out long elapsed));
        Assert.Equal(17, elapsed);
        Assert.Equal(1, successor.CompletedRounds);
        Assert.Equal(master.History, successor.History);
        Assert.Equal(afterRound1, successor.Global);
        Assert.Equal(master.SelectParticipants(2), successor.SelectParticipants(2)); // the same round runs again
    }
}
