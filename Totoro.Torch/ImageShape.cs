namespace Totoro.Torch;

/// <summary>How a flat feature row is read as an image: channels × height × width, square, one or three channels.</summary>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    public int Features => Channels * Height * Width;

    /// <summary>The image a row of <paramref name="features"/> floats holds (28² → 1×28×28, 3·32² → 3×32×32), or a one-line reason.</summary>
    public static ImageShape Of(int features)
    {
        foreach (int channels in new[] { 1, 3 })
        {
            if (features % channels != 0)
                continue;
            int side = (int)Math.Round(Math.Sqrt(features / channels));
            if (side * side * channels == features)
                return new ImageShape(channels, side, side);
        }

        throw new ArgumentException($"a convolutional model needs image rows (one or three square channels); {features} features are not one");
    }
}
