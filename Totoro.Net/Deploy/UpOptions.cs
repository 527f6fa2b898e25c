namespace Totoro.Net.Deploy;

/// <summary>How `deploy up` starts the nodes and how long it waits for them.</summary>
public sealed record UpOptions
{
    /// <summary>Logical nodes per host entry that does not say nodes=K.</summary>
    public int NodesPerHost { get; init; } = 1;

    /// <summary>The dotnet command on the hosts, for builds that are not self-contained.</summary>
    public string Dotnet { get; init; } = "dotnet";

    /// <summary>Extra `totoro node` options for every host (timers, log level).</summary>
    public IReadOnlyList<string> NodeArguments { get; init; } = [];

    public TimeSpan SshTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for every host's nodes to join.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Hosts worked on at once in every phase (upload, certify, start, join checks).</summary>
    public int Parallelism { get; init; } = DefaultParallelism;

    /// <summary>
    /// Eight: the deployer's CPU (SSH encryption) and uplink are what a host's upload waits on, and eight streams
    /// keep both busy while one slow host holds up only an eighth of the work.
    /// </summary>
    public const int DefaultParallelism = 8;

    /// <summary>The deployment's authority directory (made on first use): every host is certified from it.</summary>
    public string? AuthorityDirectory { get; init; }
}
