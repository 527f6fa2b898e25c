namespace Totoro.Torch;

/// <summary>
/// Follows a tensor's shape through the layers a network is built from and counts the forward pass's FLOPs
/// (a multiply-add is two; convolutions and linear layers only, as the published counts do).
/// </summary>
internal sealed class ShapeTracker(ImageShape input)
{
    public long Channels { get; private set; } = input.Channels;

    public long Height { get; private set; } = input.Height;

    public long Width { get; private set; } = input.Width;

    public double Flops { get; private set; }

    /// <summary>A convolution: output size (H + 2p − k) / s + 1, and 2·(Cin/groups)·k²·Cout multiply-adds per output pixel.</summary>
    public ShapeTracker Conv(long outChannels, long kernel, long stride = 1, long padding = 0, long groups = 1)
    {
        Height = ((Height + (2 * padding) - kernel) / stride) + 1;
        Width = ((Width + (2 * padding) - kernel) / stride) + 1;
        Flops += 2.0 * (Channels / groups) * kernel * kernel * outChannels * Height * Width;
        Channels = outChannels;
        return this;
    }

    public ShapeTracker Pool(long kernel, long stride, long padding = 0)
    {
        Height = ((Height + (2 * padding) - kernel) / stride) + 1;
        Width = ((Width + (2 * padding) - kernel) / stride) + 1;
        return this;
    }

    /// <summary>Global average pooling to 1×1.</summary>
    public ShapeTracker GlobalPool()
    {
        Height = 1;
        Width = 1;
        return this;
    }

    public ShapeTracker Linear(long outFeatures)
    {
        Flops += 2.0 * Channels * Height * Width * outFeatures;
        Channels = outFeatures;
        Height = 1;
        Width = 1;
        return this;
    }

    /// <summary>Joins a branch's channels to this one's (ShuffleNet's concatenation).</summary>
    public void SetChannels(long channels) => Channels = channels;

    public ShapeTracker Fork() => new(new ImageShape((int)Channels, (int)Height, (int)Width));

    public void Absorb(ShapeTracker branch) => Flops += branch.Flops;
}
