namespace Totoro.Core.Learning;

/// <summary>
/// Labelled samples: <see cref="Features"/> is row-major (sample i occupies [i·Dimensions, (i+1)·Dimensions)),
/// so a whole data set is two arrays and a client's share is a list of indices, not a copy.
/// </summary>
public sealed class Dataset
{
    public Dataset(float[] features, int[] labels, int dimensions, int classes)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if ((long)labels.Length * dimensions != features.Length)
            throw new ArgumentException($"{labels.Length} labels of {dimensions} features need {(long)labels.Length * dimensions} floats, not {features.Length}.", nameof(features));
        foreach (int label in labels)
        {
            if ((uint)label >= (uint)classes)
                throw new ArgumentException($"Label {label} is outside 0..{classes - 1}.", nameof(labels));
        }

        Features = features;
        Labels = labels;
        Dimensions = dimensions;
        Classes = classes;
    }

    public float[] Features { get; }

    public int[] Labels { get; }

    public int Dimensions { get; }

    public int Classes { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * Dimensions, Dimensions);

    /// <summary>Every index 0..Count−1: the whole set as a batch.</summary>
    public int[] AllIndices() => Enumerable.Range(0, Count).ToArray();

    /// <summary>A copy holding only the given samples, in the given order.</summary>
    public Dataset Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var features = new float[indices.Count * Dimensions];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Row(indices[i]).CopyTo(features.AsSpan(i * Dimensions, Dimensions));
            labels[i] = Labels[indices[i]];
        }

        return new Dataset(features, labels, Dimensions, Classes);
    }
}
