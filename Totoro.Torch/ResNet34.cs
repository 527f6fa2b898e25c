using TorchSharp;
using static TorchSharp.torch;

namespace Totoro.Torch;

/// <summary>
/// ResNet-34 (He et al. 2016; torchvision's layout): a 7×7 stride-2 stem and 3×3 max-pool, then 3, 4, 6 and 3
/// basic blocks of 64, 128, 256 and 512 channels, global average pooling and the classifier. GroupNorm stands in for
/// BatchNorm (<see cref="Norm"/>). 21.8 M parameters at 3 channels and 1,000 classes, as torchvision's.
/// </summary>
internal sealed class ResNet34 : nn.Module<Tensor, Tensor>
{
    private static readonly int[] Blocks = [3, 4, 6, 3];
    private static readonly long[] Widths = [64, 128, 256, 512];

    private readonly nn.Module<Tensor, Tensor> _stem;
    private readonly nn.Module<Tensor, Tensor> _stemNorm;
    private readonly nn.Module<Tensor, Tensor> _layers;
    private readonly nn.Module<Tensor, Tensor> _fc;

    public ResNet34(ImageShape input, int classes, ShapeTracker shape)
        : base(nameof(ResNet34))
    {
        _stem = nn.Conv2d(input.Channels, 64, 7, stride: 2, padding: 3, bias: false);
        _stemNorm = Norm.Of(64);
        shape.Conv(64, 7, 2, 3).Pool(3, 2, 1);
        var blocks = new List<nn.Module<Tensor, Tensor>>();
        long inChannels = 64;
        for (int stage = 0; stage < Blocks.Length; stage++)
        {
            for (int b = 0; b < Blocks[stage]; b++)
            {
                long stride = stage > 0 && b == 0 ? 2 : 1;
                blocks.Add(new BasicBlock(inChannels, Widths[stage], stride, shape));
                inChannels = Widths[stage];
            }
        }

        _layers = nn.Sequential(blocks);
        shape.GlobalPool();
        _fc = nn.Linear(512, classes);
        shape.Linear(classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = nn.functional.relu(_stemNorm.call(_stem.call(input)));
        x = nn.functional.max_pool2d(x, 3, 2, 1);
        x = _layers.call(x);
        x = nn.functional.adaptive_avg_pool2d(x, 1).flatten(1);
        return _fc.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>Two 3×3 convolutions with a shortcut (a 1×1 projection where the shape changes).</summary>
    private sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> _conv1;
        private readonly nn.Module<Tensor, Tensor> _norm1;
        private readonly nn.Module<Tensor, Tensor> _conv2;
        private readonly nn.Module<Tensor, Tensor> _norm2;
        private readonly nn.Module<Tensor, Tensor>? _shortcut;

        public BasicBlock(long inChannels, long outChannels, long stride, ShapeTracker shape)
            : base(nameof(BasicBlock))
        {
            ShapeTracker side = shape.Fork();
            _conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
            _norm1 = Norm.Of(outChannels);
            _conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
            _norm2 = Norm.Of(outChannels);
            shape.Conv(outChannels, 3, stride, 1).Conv(outChannels, 3, 1, 1);
            if (stride != 1 || inChannels != outChannels)
            {
                _shortcut = nn.Sequential(nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), Norm.Of(outChannels));
                shape.Absorb(side.Conv(outChannels, 1, stride));
            }

            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            Tensor x = nn.functional.relu(_norm1.call(_conv1.call(input)));
            x = _norm2.call(_conv2.call(x));
            Tensor shortcut = _shortcut is null ? input : _shortcut.call(input);
            return nn.functional.relu(x + shortcut).MoveToOuterDisposeScope();
        }
    }
}
