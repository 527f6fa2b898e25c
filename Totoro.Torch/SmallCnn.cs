using TorchSharp;
using static TorchSharp.torch;

namespace Totoro.Torch;

/// <summary>
/// A small CNN for 28×28 images: two 3×3 convolutions (16 and 32 channels) each with ReLU and 2×2 max-pooling, a
/// 128-unit hidden layer and the classifier. About 0.2 M parameters on Fashion-MNIST.
/// </summary>
internal sealed class SmallCnn : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _conv1;
    private readonly nn.Module<Tensor, Tensor> _conv2;
    private readonly nn.Module<Tensor, Tensor> _hidden;
    private readonly nn.Module<Tensor, Tensor> _out;

    public SmallCnn(ImageShape input, int classes, ShapeTracker shape)
        : base(nameof(SmallCnn))
    {
        _conv1 = nn.Conv2d(input.Channels, 16, 3, padding: 1);
        shape.Conv(16, 3, padding: 1).Pool(2, 2);
        _conv2 = nn.Conv2d(16, 32, 3, padding: 1);
        shape.Conv(32, 3, padding: 1).Pool(2, 2);
        _hidden = nn.Linear(shape.Channels * shape.Height * shape.Width, 128);
        shape.Linear(128);
        _out = nn.Linear(128, classes);
        shape.Linear(classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = nn.functional.max_pool2d(nn.functional.relu(_conv1.call(input)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(_conv2.call(x)), 2);
        x = nn.functional.relu(_hidden.call(x.flatten(1)));
        return _out.call(x).MoveToOuterDisposeScope();
    }
}
