namespace Totoro.Core.Learning;

/// <summary>
/// Hyper-parameters of FedAdam/FedYogi (Reddi et al., "Adaptive Federated Optimization", ICLR 2021): momentum β1,
/// second-moment decay β2, adaptivity τ (also the initial second moment's square root), server learning rate η.
/// Defaults are the paper's common choices.
/// </summary>
public sealed record AdaptiveServerOptions(float ServerLearningRate = 0.01f, float Beta1 = 0.9f, float Beta2 = 0.99f, float Tau = 1e-3f)
{
    public void Validate()
    {
        if (!(ServerLearningRate > 0))
            throw new ArgumentOutOfRangeException(nameof(ServerLearningRate), "η must be positive.");
        if (!(Beta1 is >= 0 and < 1) || !(Beta2 is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(Beta1), "β1 and β2 must be in [0, 1).");
        if (!(Tau > 0))
            throw new ArgumentOutOfRangeException(nameof(Tau), "τ must be positive.");
    }
}
