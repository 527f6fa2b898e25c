using System.Numerics;
using System.Runtime.InteropServices;

namespace Totoro.Core.Learning;

/// <summary>SIMD dot product and axpy: the two inner loops every forward and backward pass spends its time in.</summary>
internal static class VectorMath
{
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(a);
            ReadOnlySpan<Vector<float>> vb = MemoryMarshal.Cast<float, Vector<float>>(b[..a.Length]);
            var acc = Vector<float>.Zero;
            for (int k = 0; k < va.Length; k++)
                acc += va[k] * vb[k];
            sum = Vector.Sum(acc);
            i = va.Length * Vector<float>.Count;
        }

        for (; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    /// <summary>y += alpha · x.</summary>
    public static void AddScaled(Span<float> y, float alpha, ReadOnlySpan<float> x)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> vy = MemoryMarshal.Cast<float, Vector<float>>(y);
            ReadOnlySpan<Vector<float>> vx = MemoryMarshal.Cast<float, Vector<float>>(x[..y.Length]);
            var scale = new Vector<float>(alpha);
            for (int k = 0; k < vy.Length; k++)
                vy[k] += scale * vx[k];
            i = vy.Length * Vector<float>.Count;
        }

        for (; i < y.Length; i++)
            y[i] += alpha * x[i];
    }
}
