using Totoro.Core.Learning;
using Totoro.Core.Runtime;

namespace Totoro.Net.Control;

/// <summary>
/// An app's progress as its master (the root of its tree) sees it, with the root's id and its host's endpoint.
/// <see cref="Known"/> is false when the node closest to the app id has not heard of it (not submitted, or not yet).
/// </summary>
public sealed record AppStatus(string Name, string AppId, bool Known)
{
    public bool Started { get; init; }

    public bool Finished { get; init; }

    public bool Stopped { get; init; }

    public string? Error { get; init; }

    public int Round { get; init; }

    public int Rounds { get; init; }

    public double Accuracy { get; init; } = double.NaN;

    public int Participants { get; init; }

    public long Contributions { get; init; }

    /// <summary>Workers enrolled with the master, and how many shards it has for them.</summary>
    public int Enrolled { get; init; }

    public int Wanted { get; init; }

    public double Seconds { get; init; }

    /// <summary>Rounds that did not merge exactly the updates they selected (fewer, or a shard counted twice): the app's shortfall.</summary>
    public int ShortRounds { get; init; }

    /// <summary>Updates the master refused (not finite).</summary>
    public long Rejected { get; init; }

    /// <summary>The root's node id (hex) and its host's endpoint.</summary>
    public string? Root { get; init; }

    public string? RootEndpoint { get; init; }

    /// <summary>The global model, when asked for.</summary>
    public float[]? Model { get; init; }

    public static AppStatus From(AppProgress progress, NodeId app, string root, string endpoint, float[]? model) => new(progress.Name, app.ToString(), progress.Known)
    {
        Started = progress.Started,
        Finished = progress.Finished,
        Stopped = progress.Stopped,
        Error = progress.Error,
        Round = progress.Round,
        Rounds = progress.Rounds,
        Accuracy = progress.Accuracy,
        Participants = progress.Participants,
        Contributions = progress.Contributions,
        Enrolled = progress.Enrolled,
        Wanted = progress.Wanted,
        Seconds = progress.Seconds,
        ShortRounds = progress.ShortRounds,
        Rejected = progress.Rejected,
        Root = root,
        RootEndpoint = endpoint,
        Model = model,
    };
}
