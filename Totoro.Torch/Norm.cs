using TorchSharp;
using static TorchSharp.torch;

namespace Totoro.Torch;

/// <summary>
/// The normalisation of the residual networks: GroupNorm rather than BatchNorm. It has the same weight and bias per
/// channel (so parameter counts equal the BatchNorm originals) but no running statistics, which would not average
/// across workers and would leave a flat parameter vector short of the model's state.
/// </summary>
internal static class Norm
{
    public static nn.Module<Tensor, Tensor> Of(long channels) => nn.GroupNorm(Groups(channels), channels);

    /// <summary>The largest divisor of the channel count up to 32 (32 groups is GroupNorm's usual choice).</summary>
    public static long Groups(long channels)
    {
        for (long g = 32; g > 1; g--)
        {
            if (channels % g == 0)
                return g;
        }

        return 1;
    }
}
