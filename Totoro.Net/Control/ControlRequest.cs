using Totoro.Core.Learning;

namespace Totoro.Net.Control;

/// <summary>
/// A client's request to a host. Ops: <c>info</c>; <c>submit</c> (Spec, Seed); <c>list</c>; <c>status</c> (Name,
/// IncludeModel); <c>lookup</c> (Key as 32 hex digits, From = the host's logical node to start at).
/// </summary>
public sealed record ControlRequest(long Id, string Op)
{
    public string? Name { get; init; }

    public AppSpec? Spec { get; init; }

    public ulong Seed { get; init; } = 1;

    public string? Key { get; init; }

    public int From { get; init; }

    public bool IncludeModel { get; init; }

    /// <summary>Submit: the master starts with at least this many enrolled workers once <see cref="StartAfterSeconds"/> has passed.</summary>
    public int MinWorkers { get; init; } = 1;

    public int StartAfterSeconds { get; init; } = 30;
}
