namespace Totoro.Core.Learning;

/// <summary>FedAdam: v ← β2·v + (1−β2)·Δ².</summary>
public sealed class FedAdam(AdaptiveServerOptions options) : AdaptiveServerRule(options)
{
    public override string Name => "fedadam";

    protected override float SecondMoment(float v, float squared, float beta2) => (beta2 * v) + ((1 - beta2) * squared);
}
