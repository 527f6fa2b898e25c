namespace Totoro.Net.Control;

/// <summary>
/// An app's progress as its master (the root of its tree) sees it. <see cref="Known"/> is false when the node
/// closest to the app id has not heard of it (not submitted, or not yet discovered).
/// </summary>
public sealed record AppStatus(string Name, string AppId, bool Known)
{
    public bool Started { get; init; }

    public bool Finished { get; init; }

    public string? Error { get; init; }

    public int Round { get; init; }

    public int Rounds { get; init; }

    public double Accuracy { get; init; } = double.NaN;

    public int Participants { get; init; }

    public long Contributions { get; init; }

    public int ReadyWorkers { get; init; }

    public int Workers { get; init; }

    public double Seconds { get; init; }

    /// <summary>The final global model, when asked for and the app has finished.</summary>
    public float[]? Model { get; init; }
}
