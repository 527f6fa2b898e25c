using TorchSharp;
using static TorchSharp.torch;

namespace Totoro.Torch;

/// <summary>
/// ShuffleNet V2 1.0× (Ma et al. 2018; torchvision's layout): a 3×3 stride-2 stem (24 channels) and max-pool, three
/// stages of 4, 8 and 4 units (116, 232, 464 channels) that split channels, convolve one half (1×1, depthwise 3×3,
/// 1×1) and shuffle, a 1×1 convolution to 1,024 channels, global pooling and the classifier. GroupNorm stands in for
/// BatchNorm (<see cref="Norm"/>). 2.28 M parameters at 3 channels and 1,000 classes, as torchvision's.
/// </summary>
internal sealed class ShuffleNetV2 : nn.Module<Tensor, Tensor>
{
    private static readonly int[] Repeats = [4, 8, 4];
    private static readonly long[] Widths = [24, 116, 232, 464, 1024];

    private readonly nn.Module<Tensor, Tensor> _stem;
    private readonly nn.Module<Tensor, Tensor> _stages;
    private readonly nn.Module<Tensor, Tensor> _head;
    private readonly nn.Module<Tensor, Tensor> _fc;

    public ShuffleNetV2(ImageShape input, int classes, ShapeTracker shape)
        : base(nameof(ShuffleNetV2))
    {
        _stem = nn.Sequential(nn.Conv2d(input.Channels, Widths[0], 3, stride: 2, padding: 1, bias: false), Norm.Of(Widths[0]), nn.ReLU());
        shape.Conv(Widths[0], 3, 2, 1).Pool(3, 2, 1);
        var units = new List<nn.Module<Tensor, Tensor>>();
        long inChannels = Widths[0];
        for (int stage = 0; stage < Repeats.Length; stage++)
        {
            for (int u = 0; u < Repeats[stage]; u++)
            {
                units.Add(new Unit(inChannels, Widths[stage + 1], u == 0 ? 2 : 1, shape));
                inChannels = Widths[stage + 1];
            }
        }

        _stages = nn.Sequential(units);
        _head = nn.Sequential(nn.Conv2d(inChannels, Widths[4], 1, bias: false), Norm.Of(Widths[4]), nn.ReLU());
        shape.Conv(Widths[4], 1).GlobalPool();
        _fc = nn.Linear(Widths[4], classes);
        shape.Linear(classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = nn.functional.max_pool2d(_stem.call(input), 3, 2, 1);
        x = _head.call(_stages.call(x));
        x = x.mean([2, 3]);
        return _fc.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>One ShuffleNet V2 unit; a stride-2 unit convolves both halves (the input twice) and doubles the channels.</summary>
    private sealed class Unit : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor>? _branch1;
        private readonly nn.Module<Tensor, Tensor> _branch2;

        public Unit(long inChannels, long outChannels, long stride, ShapeTracker shape)
            : base(nameof(Unit))
        {
            long half = outChannels / 2;
            ShapeTracker main = shape.Fork();
            if (stride > 1)
            {
                _branch1 = nn.Sequential(
                    nn.Conv2d(inChannels, inChannels, 3, stride: stride, padding: 1, groups: inChannels, bias: false), Norm.Of(inChannels),
                    nn.Conv2d(inChannels, half, 1, bias: false), Norm.Of(half), nn.ReLU());
                shape.Absorb(shape.Fork().Conv(inChannels, 3, stride, 1, inChannels).Conv(half, 1));
            }
            else
            {
                main.SetChannels(half);
            }

            long branchIn = stride > 1 ? inChannels : half;
            _branch2 = nn.Sequential(
                nn.Conv2d(branchIn, half, 1, bias: false), Norm.Of(half), nn.ReLU(),
                nn.Conv2d(half, half, 3, stride: stride, padding: 1, groups: half, bias: false), Norm.Of(half),
                nn.Conv2d(half, half, 1, bias: false), Norm.Of(half), nn.ReLU());
            main.Conv(half, 1).Conv(half, 3, stride, 1, half).Conv(half, 1);
            shape.Absorb(main);
            shape.Pool(1, stride); // the unit's output size
            shape.SetChannels(outChannels);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            Tensor joined;
            if (_branch1 is null)
            {
                Tensor[] halves = input.chunk(2, 1);
                joined = cat([halves[0], _branch2.call(halves[1])], 1);
            }
            else
            {
                joined = cat([_branch1.call(input), _branch2.call(input)], 1);
            }

            return Shuffle(joined).MoveToOuterDisposeScope();
        }

        /// <summary>Interleaves the two halves' channels so the next unit's split mixes them.</summary>
        private static Tensor Shuffle(Tensor x)
        {
            long[] s = x.shape;
            return x.view(s[0], 2, s[1] / 2, s[2], s[3]).transpose(1, 2).contiguous().view(s[0], s[1], s[2], s[3]);
        }
    }
}
