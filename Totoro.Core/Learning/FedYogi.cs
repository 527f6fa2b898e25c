namespace Totoro.Core.Learning;

/// <summary>
/// FedYogi: v ← v − (1−β2)·Δ²·sign(v − Δ²). Its second moment moves additively, so it grows or shrinks slowly; that
/// is gentler than Adam when heterogeneous clients make Δ noisy.
/// </summary>
public sealed class FedYogi(AdaptiveServerOptions options) : AdaptiveServerRule(options)
{
    public override string Name => "fedyogi";

    protected override float SecondMoment(float v, float squared, float beta2) => v - ((1 - beta2) * squared * MathF.Sign(v - squared));
}
