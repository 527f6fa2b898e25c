using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Forest;

/// <summary>The reusable round accumulator against the oracle it replaces: pairwise merges in arrival order.</summary>
public class RoundAggregationTests
{
    /// <summary>What the forest computed before: each contribution merged pairwise; declined reports concatenated, then joined last.</summary>
    private static Payload Pairwise(IAggregationRule rule, IEnumerable<(Payload Contribution, long Count)> arrivals)
    {
        Payload? merged = null;
        byte[]? declined = null;
        foreach ((Payload c, long count) in arrivals)
        {
            if (count > 0)
                merged = merged is null ? c : ContributionMerge.Merge(rule, merged, c);
            else if (c.Attachment is { Length: > 0 } d)
                declined = declined is null ? d : [.. declined, .. d];
        }

        merged ??= Payload.SizeOnly(0, 0);
        return declined is null ? merged : ContributionMerge.Merge(rule, merged, Payload.SizeOnly(0, 0).WithAttachment(declined));
    }

    private static List<(Payload, long)> Arrivals(Random random, int n, int dimensions, bool sizeOnly)
    {
        var list = new List<(Payload, long)>();
        for (int i = 0; i < n; i++)
        {
            byte[]? report = random.Next(3) == 0 ? null : [.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => (byte)random.Next(256))];
            if (random.Next(5) == 0)
            {
                list.Add((Payload.SizeOnly(0, 0).WithAttachment(report), 0)); // sat the round out
                continue;
            }

            Payload content = sizeOnly
                ? Payload.SizeOnly(random.Next(100, 1000), random.Next(1, 50))
                : Payload.FromVector([.. Enumerable.Range(0, dimensions).Select(_ => (float)(random.NextDouble() * 10 - 5))], random.Next(1, 50));
            list.Add((content.WithAttachment(report), random.Next(1, 4)));
        }

        return list;
    }

    public static TheoryData<string, bool> Rules() => new() { { "weighted-sum", false }, { "weighted-sum", true }, { "median", false } };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Gives_bit_for_bit_what_pairwise_merging_in_arrival_order_gives(string ruleName, bool sizeOnly)
    {
        IAggregationRule rule = ruleName == "median" ? new CoordinateMedianRule(7) : WeightedSumRule.Instance;
        var random = new Random(11);
        var aggregation = new RoundAggregation();
        for (int round = 0; round < 40; round++) // one accumulator, reused round after round
        {
            int n = random.Next(0, 12);
            List<(Payload, long)> arrivals = Arrivals(random, n, dimensions: 7, sizeOnly);
            Span<PeerHandle> chosen = aggregation.ChooseInto(n);
            for (int i = 0; i < n; i++)
                chosen[i] = new PeerHandle(100 + i);
            aggregation.Begin(round, n, selfExpected: false, depth: 1, cutoff: 0, rule);
            for (int i = 0; i < n; i++)
            {
                Assert.True(aggregation.TryArrive(new PeerHandle(100 + i), self: false));
                Assert.False(aggregation.TryArrive(new PeerHandle(100 + i), self: false)); // once only
                aggregation.Add(arrivals[i].Item1, arrivals[i].Item2);
            }

            Assert.True(aggregation.IsComplete);
            long expectedCount = arrivals.Sum(a => a.Item2);
            Assert.Equal(expectedCount, aggregation.Contributions);
            Payload got = aggregation.Close();
            Payload want = Pairwise(rule, arrivals);
            Assert.Equal(want.Vector, got.Vector);
            Assert.Equal(want.Weight, got.Weight);
            Assert.Equal(want.Bytes, got.Bytes);
            Assert.Equal(want.Attachment, got.Attachment);
            Assert.False(aggregation.InFlight);
        }
    }

    [Fact]
    public void Reports_are_cut_at_the_attachment_cap_keeping_the_earliest()
    {
        var aggregation = new RoundAggregation();
        aggregation.ChooseInto(2)[0] = new PeerHandle(1);
        aggregation.ChooseInto(2)[1] = new PeerHandle(2);
        aggregation.Begin(0, 2, selfExpected: false, depth: 0, cutoff: 0, WeightedSumRule.Instance);
        byte[] big = new byte[Payload.MaxAttachmentBytes - 3];
        big[0] = 7;
        aggregation.TryArrive(new PeerHandle(1), false);
        aggregation.Add(Payload.FromVector([1f]).WithAttachment(big), 1);
        aggregation.TryArrive(new PeerHandle(2), false);
        aggregation.Add(Payload.FromVector([2f]).WithAttachment([1, 2, 3, 4, 5]), 1);
        Payload got = aggregation.Close();
        Assert.Equal(Payload.MaxAttachmentBytes, got.Attachment!.Length);
        Assert.Equal(7, got.Attachment[0]);
        Assert.Equal([1, 2, 3], got.Attachment[^3..]);
        Assert.Equal([3f], got.Vector!);
    }

    [Fact]
    public void A_lone_contribution_goes_up_as_it_came()
    {
        var aggregation = new RoundAggregation();
        aggregation.ChooseInto(1)[0] = new PeerHandle(4);
        aggregation.Begin(3, 1, selfExpected: true, depth: 0, cutoff: 0, WeightedSumRule.Instance);
        Payload only = Payload.FromVector([1f, 2f], 3).WithAttachment([9]);
        Assert.False(aggregation.TryArrive(new PeerHandle(5), self: false)); // not awaited
        Assert.True(aggregation.TryArrive(new PeerHandle(4), self: false));
        aggregation.Add(only, 1);
        Assert.False(aggregation.IsComplete); // this node's own contribution is still awaited
        Assert.True(aggregation.TryArrive(PeerHandle.None, self: true));
        Assert.True(aggregation.IsComplete);
        Assert.Same(only, aggregation.Close());
    }
}
