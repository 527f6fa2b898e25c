namespace Totoro.Core.Learning;

/// <summary>How a worker trains: E epochs of minibatch SGD, with FedProx's proximal term when μ &gt; 0.</summary>
public sealed record LocalTrainingOptions(int Epochs, int BatchSize, float LearningRate, float ProximalMu = 0)
{
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1);
        if (!(LearningRate > 0) || float.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), "The learning rate must be positive and finite.");
        if (!(ProximalMu >= 0) || float.IsInfinity(ProximalMu))
            throw new ArgumentOutOfRangeException(nameof(ProximalMu), "μ must be non-negative and finite.");
    }
}
