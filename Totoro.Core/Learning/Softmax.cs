namespace Totoro.Core.Learning;

/// <summary>Numerically stable softmax and cross-entropy shared by the models.</summary>
internal static class Softmax
{
    /// <summary>Turns logits into probabilities in place and returns −log p[label] (computed via log-sum-exp).</summary>
    public static double InPlaceWithLoss(Span<float> logits, int label)
    {
        float max = float.NegativeInfinity;
        foreach (float z in logits)
            max = Math.Max(max, z);
        double sum = 0;
        for (int c = 0; c < logits.Length; c++)
            sum += Math.Exp(logits[c] - max);
        double logSum = Math.Log(sum) + max;
        double loss = logSum - logits[label];
        for (int c = 0; c < logits.Length; c++)
            logits[c] = (float)Math.Exp(logits[c] - logSum);
        return loss;
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }

        return best;
    }
}
