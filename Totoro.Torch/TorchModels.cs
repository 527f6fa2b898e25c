using Totoro.Core.Learning;

namespace Totoro.Torch;

/// <summary>Puts Totoro.Torch's networks into the process's <see cref="ModelCatalog"/>.</summary>
public static class TorchModels
{
    /// <summary>Registers cnn, shufflenet-v2 and resnet-34 (idempotent).</summary>
    public static void Register() => ModelCatalog.RegisterAll(typeof(TorchModels).Assembly);
}
