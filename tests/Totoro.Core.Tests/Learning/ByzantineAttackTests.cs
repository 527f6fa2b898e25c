using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

public class ByzantineAttackTests
{
    [Theory]
    [InlineData(0.2, 50, 10)]
    [InlineData(0.1, 100, 10)]
    [InlineData(0.33, 9, 3)]
    [InlineData(0, 50, 0)]
    public void Exactly_the_fraction_of_workers_is_byzantine_and_the_same_ones_for_the_same_seed(double fraction, int workers, int expected)
    {
        var spec = new AppSpec { Workers = workers, Byzantine = fraction };
        int[] chosen = [.. Enumerable.Range(0, workers).Where(w => ByzantineAttack.IsByzantine(spec, 5, w))];
        Assert.Equal(expected, chosen.Length);
        Assert.Equal(chosen, Enumerable.Range(0, workers).Where(w => ByzantineAttack.IsByzantine(spec, 5, w)));
        if (expected is > 0 and < 9)
            Assert.NotEqual(chosen, Enumerable.Range(0, workers).Where(w => ByzantineAttack.IsByzantine(spec, 6, w))); // another seed, others
    }

    [Fact]
    public void Each_attack_does_what_it_says_to_the_update()
    {
        float[] honest = [.. Enumerable.Range(0, 1000).Select(i => (float)Math.Sin(i))];
        double rms = Math.Sqrt(honest.Average(v => (double)v * v));

        float[] flipped = [.. honest];
        ByzantineAttack.Corrupt(new AppSpec { Byzantine = 0.2, Attack = "sign-flip" }, 1, 0, 1, flipped);
        Assert.Equal(honest.Select(v => -10 * v), flipped);

        float[] scaled = [.. honest];
        ByzantineAttack.Corrupt(new AppSpec { Byzantine = 0.2, Attack = "scale", AttackScale = 3 }, 1, 0, 1, scaled);
        Assert.Equal(honest.Select(v => 3 * v), scaled);

        float[] noise = [.. honest];
        ByzantineAttack.Corrupt(new AppSpec { Byzantine = 0.2, Attack = "noise" }, 1, 0, 1, noise);
        double noiseRms = Math.Sqrt(noise.Average(v => (double)v * v));
        Assert.InRange(noiseRms / rms, 9, 11); // k = 10 times the update's RMS, give or take sampling
        Assert.InRange(Math.Abs(noise.Zip(honest, (a, b) => (double)a * b).Sum()) / (noiseRms * rms * honest.Length), 0, 0.15); // unrelated to the update
    }

    [Fact]
    public void A_spec_with_a_bad_attack_or_fraction_does_not_validate()
    {
        Assert.NotEmpty(new AppSpec { Byzantine = 1.5 }.Validate());
        Assert.NotEmpty(new AppSpec { Byzantine = 0.2, Attack = "bribe" }.Validate());
        Assert.NotEmpty(new AppSpec { Byzantine = 0.2, AttackScale = -1 }.Validate());
        Assert.Empty(new AppSpec { Byzantine = 0.2, Attack = "noise", AttackScale = 2 }.Validate());
    }
}
