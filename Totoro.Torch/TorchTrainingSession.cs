using TorchSharp;
using Totoro.Core.Learning;
using static TorchSharp.torch;

namespace Totoro.Torch;

/// <summary>
/// Local SGD in the network's own tensors: each step is forward, cross-entropy, backward and w ← w − lr·(g + μ·(w −
/// w_global)), the same update <see cref="LocalTrainer"/> takes on the flat vector.
/// </summary>
internal sealed class TorchTrainingSession : ITrainingSession
{
    private readonly TorchModel _model;
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly Dataset _data;
    private readonly float _learningRate;
    private readonly float _mu;
    private readonly TorchSharp.Modules.Parameter[] _parameters;
    private readonly Tensor[] _anchors;
    private bool _disposed;

    public TorchTrainingSession(TorchModel model, nn.Module<Tensor, Tensor> network, Dataset data, LocalTrainingOptions options, ReadOnlySpan<float> global)
    {
        _model = model;
        _network = network;
        _data = data;
        _learningRate = options.LearningRate;
        _mu = global.IsEmpty ? 0 : options.ProximalMu;
        _parameters = [.. network.parameters()];
        _anchors = new Tensor[_mu > 0 ? _parameters.Length : 0];
        int at = 0;
        for (int i = 0; i < _anchors.Length; i++)
        {
            int length = (int)_parameters[i].numel();
            _anchors[i] = zeros(_parameters[i].shape);
            _anchors[i].data<float>().CopyFrom(global.Slice(at, length), 0, 0);
            at += length;
        }

        network.train();
    }

    public double Step(ReadOnlySpan<int> batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        _network.zero_grad();
        Tensor loss = nn.functional.cross_entropy(_network.call(_model.Features(_data, batch)), TorchModel.Labels(_data, batch));
        loss.backward();
        using (no_grad())
        {
            for (int i = 0; i < _parameters.Length; i++)
            {
                Tensor gradient = _parameters[i].grad!;
                if (_mu > 0)
                    gradient.add_(_parameters[i] - _anchors[i], alpha: _mu);
                _parameters[i].add_(gradient, alpha: -_learningRate);
            }
        }

        return loss.item<float>();
    }

    public void CopyParametersTo(Span<float> parameters)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int at = 0;
        foreach (TorchSharp.Modules.Parameter p in _parameters)
        {
            int length = (int)p.numel();
            p.data<float>().CopyTo(parameters.Slice(at, length), 0, 0);
            at += length;
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (Tensor anchor in _anchors)
            anchor.Dispose();
        _model.Return(_network);
    }
}
