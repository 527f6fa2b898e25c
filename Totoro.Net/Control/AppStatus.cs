using System.Text.Json.Serialization;
using Totoro.Core.Learning;

namespace Totoro.Net.Control;

/// <summary>
/// An app's progress as its master (the root of its tree) reports it (<see cref="AppProgress"/>), with the app's id,
/// the root's node id and its host's endpoint, and the global model when asked for. <see cref="AppProgress.Known"/>
/// is false when the node closest to the app id has not heard of it (not submitted, or not yet).
/// </summary>
public sealed record AppStatus : AppProgress
{
    [JsonConstructor]
    public AppStatus(string name, string appId, bool known)
        : base(name, known)
    {
        AppId = appId;
    }

    public AppStatus(AppProgress progress, string appId)
        : base(progress)
    {
        AppId = appId;
    }

    public string AppId { get; init; }

    /// <summary>The root's node id (hex) and its host's endpoint.</summary>
    public string? Root { get; init; }

    public string? RootEndpoint { get; init; }

    /// <summary>The global model, when asked for: whole, or one part of it (<see cref="ModelParts"/>).</summary>
    public float[]? Model { get; init; }

    /// <summary>Which part of the model <see cref="Model"/> is, of <see cref="ModelPartCount"/> (1: the whole model).</summary>
    public int ModelPart { get; init; }

    public int ModelPartCount { get; init; } = 1;

    /// <summary>The whole model's parameters (what the parts add up to).</summary>
    public int ModelLength { get; init; }
}
