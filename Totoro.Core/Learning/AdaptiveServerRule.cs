using System.Buffers.Binary;

namespace Totoro.Core.Learning;

/// <summary>
/// Reddi et al.'s server loop on the pseudo-gradient Δ (the mean update): m ← β1·m + (1−β1)·Δ; v updated by the
/// subclass; w ← w + η·m/(√v + τ). No bias correction, as in the paper's Algorithm 2; v starts at τ².
/// </summary>
public abstract class AdaptiveServerRule : IServerRule
{
    private float[]? _m;
    private float[]? _v;

    protected AdaptiveServerRule(AdaptiveServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    public abstract string Name { get; }

    public AdaptiveServerOptions Options { get; }

    /// <summary>Rounds applied so far.</summary>
    public int Steps { get; private set; }

    public float[] Apply(float[] global, float[] meanUpdate)
    {
        ServerRuleChecks.SameLength(global, meanUpdate);
        if (_m is null || _v is null || _m.Length != global.Length)
        {
            _m = new float[global.Length];
            _v = new float[global.Length];
            Array.Fill(_v, Options.Tau * Options.Tau);
        }

        var next = new float[global.Length];
        float b1 = Options.Beta1;
        for (int i = 0; i < next.Length; i++)
        {
            float delta = meanUpdate[i];
            _m[i] = (b1 * _m[i]) + ((1 - b1) * delta);
            _v[i] = SecondMoment(_v[i], delta * delta, Options.Beta2);
            next[i] = global[i] + (Options.ServerLearningRate * _m[i] / (MathF.Sqrt(_v[i]) + Options.Tau));
        }

        Steps++;
        return next;
    }

    /// <summary>steps i32 | n i32 | m and v, n floats each (big endian); empty before the first round.</summary>
    public byte[] SaveState()
    {
        if (_m is null || _v is null)
            return [];
        var bytes = new byte[8 + (8 * _m.Length)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, Steps);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), _m.Length);
        for (int i = 0; i < _m.Length; i++)
        {
            BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(8 + (4 * i)), _m[i]);
            BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(8 + (4 * (_m.Length + i))), _v[i]);
        }

        return bytes;
    }

    public bool RestoreState(ReadOnlySpan<byte> state)
    {
        if (state.IsEmpty)
        {
            (_m, _v, Steps) = (null, null, 0);
            return true;
        }

        if (state.Length < 8)
            return false;
        int n = BinaryPrimitives.ReadInt32BigEndian(state[4..]);
        if (n < 0 || state.Length != 8 + (8L * n))
            return false;
        var m = new float[n];
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            m[i] = BinaryPrimitives.ReadSingleBigEndian(state[(8 + (4 * i))..]);
            v[i] = BinaryPrimitives.ReadSingleBigEndian(state[(8 + (4 * (n + i)))..]);
        }

        (_m, _v, Steps) = (m, v, BinaryPrimitives.ReadInt32BigEndian(state));
        return true;
    }

    /// <summary>The new second moment from the old one and Δ².</summary>
    protected abstract float SecondMoment(float v, float squared, float beta2);
}
