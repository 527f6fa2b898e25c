using Totoro.Core.Learning;

namespace Totoro.Torch;

/// <summary>`cnn`: <see cref="SmallCnn"/>.</summary>
public sealed class CnnFactory : IModelFactory
{
    public string Name => "cnn";

    public string Description => "small CNN: two 3x3 conv layers (16, 32 channels) with max-pooling, 128 hidden units (TorchSharp)";

    public IModel Create(ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new TorchModel(Name, request.Dimensions, request.Classes, (input, classes, shape) => new SmallCnn(input, classes, shape));
    }
}

/// <summary>`shufflenet-v2`: <see cref="ShuffleNetV2"/> (the paper's FEMNIST model).</summary>
public sealed class ShuffleNetV2Factory : IModelFactory
{
    public string Name => "shufflenet-v2";

    public string Description => "ShuffleNet V2 1.0x with GroupNorm, the paper's FEMNIST model (TorchSharp)";

    public IModel Create(ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new TorchModel(Name, request.Dimensions, request.Classes, (input, classes, shape) => new ShuffleNetV2(input, classes, shape));
    }
}

/// <summary>`resnet-34`: <see cref="ResNet34"/> (the paper's Google Speech model).</summary>
public sealed class ResNet34Factory : IModelFactory
{
    public string Name => "resnet-34";

    public string Description => "ResNet-34 with GroupNorm, the paper's Google Speech model (TorchSharp)";

    public IModel Create(ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new TorchModel(Name, request.Dimensions, request.Classes, (input, classes, shape) => new ResNet34(input, classes, shape));
    }
}
