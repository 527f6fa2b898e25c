namespace Totoro.Core.Learning;

/// <summary>
/// Poisoning for experiments (DESIGN §10a): a fraction of an app's workers — fixed per (seed), the same in the
/// simulator and in real mode — send a corrupted update instead of their honest one. sign-flip sends −k times the
/// update, scale k times it, noise a Gaussian vector whose RMS is k times the update's. k is the spec's AttackScale (10).
/// </summary>
public static class ByzantineAttack
{
    public static readonly string[] Attacks = ["sign-flip", "scale", "noise"];

    public const double DefaultScale = 10;

    /// <summary>True when <paramref name="worker"/> is one of the ⌊fraction · workers⌉ attackers (a seeded draw without replacement).</summary>
    public static bool IsByzantine(AppSpec spec, ulong seed, int worker)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Byzantine is not (> 0) || worker < 0 || worker >= spec.Workers)
            return false;
        int attackers = (int)Math.Round(spec.Byzantine.Value * spec.Workers);
        var order = new int[spec.Workers];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        new Random(SeedStreams.Int(seed, 0xB7_2A_17)).Shuffle(order);
        return Array.IndexOf(order, worker) < attackers;
    }

    /// <summary>Replaces an honest update in place by the attack's.</summary>
    public static void Corrupt(AppSpec spec, ulong seed, int worker, int round, float[] update)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(update);
        float k = (float)(spec.AttackScale ?? DefaultScale);
        switch (spec.Attack)
        {
            case "scale":
                for (int i = 0; i < update.Length; i++)
                    update[i] *= k;
                break;
            case "noise":
                double sum = 0;
                foreach (float v in update)
                    sum += (double)v * v;
                double rms = Math.Sqrt(sum / Math.Max(1, update.Length));
                var random = new Random(SeedStreams.Int(seed, ((ulong)(uint)worker << 24) ^ (uint)round ^ 0x5EED));
                for (int i = 0; i < update.Length; i++)
                    update[i] = (float)(k * rms * Gaussian(random));
                break;
            default: // sign-flip
                for (int i = 0; i < update.Length; i++)
                    update[i] *= -k;
                break;
        }
    }

    private static double Gaussian(Random random)
        => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
