namespace Totoro.Core.Learning;

/// <summary>
/// The master's client-selection rule: which workers take part in a round. It learns from the reports the
/// participants send up with their updates.
/// </summary>
public interface IClientSelector
{
    string Name { get; }

    /// <summary>
    /// <paramref name="count"/> distinct workers of 0..workers−1 (of <paramref name="eligible"/> when given: those
    /// enrolled and not silent), ascending.
    /// </summary>
    int[] Select(int round, int count, Random random, IReadOnlyList<int>? eligible = null);

    void Observe(int round, WorkerReport report);

    /// <summary>What the selector has learned, for the master's checkpoint (empty: nothing).</summary>
    byte[] SaveState() => [];

    /// <summary>Takes back what <see cref="SaveState"/> wrote; false (state unchanged) when the bytes are not this selector's.</summary>
    bool RestoreState(ReadOnlySpan<byte> state) => state.IsEmpty;

    public static IClientSelector Create(string name, int workers, IReadOnlyList<int> samplesPerWorker) => name switch
    {
        "oort" => new OortSelector(workers, samplesPerWorker),
        "random" => new RandomSelector(workers),
        _ => throw new ArgumentException($"client selection '{name}' is not one of random, oort", nameof(name)),
    };
}

/// <summary>Uniformly random participants (FedAvg's rule).</summary>
public sealed class RandomSelector(int workers) : IClientSelector
{
    public string Name => "random";

    public int[] Select(int round, int count, Random random, IReadOnlyList<int>? eligible = null)
    {
        int[] pool = eligible is null ? Enumerable.Range(0, workers).ToArray() : [.. eligible];
        count = Math.Min(count, pool.Length);
        for (int i = 0; i < count; i++)
        {
            int j = i + random.Next(pool.Length - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        int[] chosen = pool[..count];
        Array.Sort(chosen);
        return chosen;
    }

    public void Observe(int round, WorkerReport report)
    {
    }
}
