using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

/// <summary>Small data sets for the learning tests.</summary>
internal static class LearningTestData
{
    /// <summary>
    /// Linearly separable clusters: class c sits around a centre of norm 3 on its own axis, with unit-σ·0.5 noise.
    /// </summary>
    public static Dataset SeparableClusters(int samples, int dimensions, int classes, int seed)
    {
        var random = new Random(seed);
        var features = new float[samples * dimensions];
        var labels = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            int label = i % classes;
            labels[i] = label;
            for (int j = 0; j < dimensions; j++)
            {
                double centre = j == label % dimensions ? 3 : 0;
                features[(i * dimensions) + j] = (float)Sampling.Normal(random, centre, 0.5);
            }
        }

        return new Dataset(features, labels, dimensions, classes);
    }

    public static float[] RandomVector(Random random, int length, double scale)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++)
            v[i] = (float)((random.NextDouble() - 0.5) * 2 * scale);
        return v;
    }
}
