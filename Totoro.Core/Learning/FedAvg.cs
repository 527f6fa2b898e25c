namespace Totoro.Core.Learning;

/// <summary>FedAvg (McMahan et al. 2017): w ← w + η·Δ. With η = 1 the new model is the weighted average of the clients'.</summary>
public sealed class FedAvg : IServerRule
{
    private readonly float _serverLearningRate;

    public FedAvg(float serverLearningRate = 1)
    {
        if (!(serverLearningRate > 0))
            throw new ArgumentOutOfRangeException(nameof(serverLearningRate), "The server learning rate must be positive.");
        _serverLearningRate = serverLearningRate;
    }

    public string Name => "fedavg";

    public float[] Apply(float[] global, float[] meanUpdate)
    {
        ServerRuleChecks.SameLength(global, meanUpdate);
        var next = new float[global.Length];
        for (int i = 0; i < next.Length; i++)
            next[i] = global[i] + (_serverLearningRate * meanUpdate[i]);
        return next;
    }
}
