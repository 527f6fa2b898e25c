namespace Totoro.Core.Learning;

/// <summary>
/// What the master does with a round's aggregate. Workers send updates Δᵢ = wᵢ − w_global weighted by their sample
/// counts; the tree merges them (exactly, by weighted sums) and the root divides, giving the mean update Δ. A rule
/// turns (w_global, Δ) into the next global model. Adaptive rules keep state across rounds, so one instance serves
/// one app.
/// </summary>
public interface IServerRule
{
    string Name { get; }

    /// <summary>The next global model; neither argument is modified.</summary>
    float[] Apply(float[] global, float[] meanUpdate);

    /// <summary>What the rule keeps across rounds, for the master's checkpoint (empty: nothing).</summary>
    byte[] SaveState() => [];

    /// <summary>Takes back what <see cref="SaveState"/> wrote; false (state unchanged) when the bytes are not this rule's.</summary>
    bool RestoreState(ReadOnlySpan<byte> state) => state.IsEmpty;
}
