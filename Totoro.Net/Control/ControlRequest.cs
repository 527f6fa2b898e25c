using Totoro.Core.Learning;

namespace Totoro.Net.Control;

/// <summary>
/// A client's request to a host. Ops: <c>info</c>; <c>submit</c> (Spec, Seed, Creator, Salt, Signature); <c>list</c>;
/// <c>status</c>, <c>stop</c>, <c>model</c> (Name or AppId, IncludeModel, Part; a stop carries the creator's Signature); <c>lookup</c> (Key as 32 hex digits, From = the host's logical node to start at).
/// </summary>
public sealed record ControlRequest(long Id, string Op)
{
    public string? Name { get; init; }

    public AppSpec? Spec { get; init; }

    public ulong Seed { get; init; } = 1;

    public string? Key { get; init; }

    public int From { get; init; }

    public bool IncludeModel { get; init; }

    /// <summary>
    /// Model: which part of the model to answer with (<see cref="ModelParts"/>). Part 0 asks the app's root; the later
    /// parts come from this host's copy of that answer, so every part is of the same round.
    /// </summary>
    public int Part { get; init; }

    /// <summary>Submit: the master starts with at least this many enrolled workers once <see cref="StartAfterSeconds"/> has passed.</summary>
    public int MinWorkers { get; init; } = 1;

    public int StartAfterSeconds { get; init; } = 30;

    /// <summary>Submit: the creator's Ed25519 public key (hex); the app id is hash(name, creator, salt).</summary>
    public string? Creator { get; init; }

    public ulong Salt { get; init; }

    /// <summary>Submit: the creator's signature over the claim (hex, see AppOwnership.ClaimBytes); stop: over the stop (AppOwnership.StopBytes).</summary>
    public string? Signature { get; init; }

    /// <summary>Status, stop, model: the app's id (hex), when the client knows it; else the name is looked up among the apps the host knows.</summary>
    public string? AppId { get; init; }
}
