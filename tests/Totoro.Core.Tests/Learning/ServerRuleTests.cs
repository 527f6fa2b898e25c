using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

/// <summary>Server rules against values computed by hand (Reddi et al. 2021, Algorithm 2, with v₀ = τ²).</summary>
public class ServerRuleTests
{
    private static readonly AdaptiveServerOptions Hand = new(ServerLearningRate: 0.1f, Beta1: 0.9f, Beta2: 0.99f, Tau: 0.1f);

    [Fact]
    public void FedAvg_adds_the_mean_update()
    {
        float[] next = new FedAvg().Apply([1, -2, 0.5f], [0.25f, 1, -0.5f]);
        Assert.Equal([1.25f, -1, 0], next);
        Assert.Equal([1.5f, 0], new FedAvg(2).Apply([1, 0], [0.25f, 0]));
    }

    [Fact]
    public void FedAdam_matches_two_hand_computed_rounds()
    {
        // Round 1, coordinate 0: m = 0.1·0.5 = 0.05; v = 0.99·0.01 + 0.01·0.25 = 0.0124; w = 1 + 0.1·0.05/(√0.0124 + 0.1).
        var rule = new FedAdam(Hand);
        float[] w1 = rule.Apply([1, -2], [0.5f, -0.05f]);
        AssertClose([1.023656848, -2.002504705], w1);
        float[] w2 = rule.Apply(w1, [-0.2f, 0.3f]);
        AssertClose([1.035416699, -1.989978006], w2);
    }

    [Fact]
    public void FedYogi_matches_two_hand_computed_rounds()
    {
        // Round 1, coordinate 0: v = 0.01 − 0.01·0.25·sign(0.01 − 0.25) = 0.0125; w = 1 + 0.1·0.05/(√0.0125 + 0.1).
        var rule = new FedYogi(Hand);
        float[] w1 = rule.Apply([1, -2], [0.5f, -0.05f]);
        AssertClose([1.023606798, -2.002501564], w1);
        float[] w2 = rule.Apply(w1, [-0.2f, 0.3f]);
        AssertClose([1.035312114, -1.990018898], w2);
    }

    [Fact]
    public void Rules_do_not_modify_their_inputs_and_check_lengths()
    {
        float[] global = [1, 2];
        float[] update = [3, 4];
        new FedYogi(Hand).Apply(global, update);
        Assert.Equal([1f, 2f], global);
        Assert.Equal([3f, 4f], update);
        Assert.Throws<ArgumentException>(() => new FedAvg().Apply([1], [1, 2]));
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], 5);
    }
}
