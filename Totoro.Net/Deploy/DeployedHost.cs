namespace Totoro.Net.Deploy;

/// <summary>One host entry as deployed: where it is, what it runs, and the pid of its `totoro node`.</summary>
public sealed record DeployedHost
{
    public required string Name { get; init; }

    public required string Address { get; init; }

    public int SshPort { get; init; } = 22;

    public int Line { get; init; }

    public required string RemoteDir { get; init; }

    /// <summary>The node's UDP endpoint (IPv4:PORT): peers and the control protocol reach it there.</summary>
    public required string Listen { get; init; }

    public int Nodes { get; init; }

    /// <summary>The SSH host key's SHA-256 fingerprint seen at `up`: later commands refuse a host showing another.</summary>
    public string? HostKey { get; init; }

    /// <summary>The remote process id, 0 when the node was never started.</summary>
    public int Pid { get; init; }

    /// <summary>Set by `deploy down` once the node is stopped, so a new `up` may reuse the state file.</summary>
    public bool Stopped { get; init; }

    /// <summary>Still expected to be running: started by `up` and not stopped by `down`.</summary>
    public bool Running => Pid > 0 && !Stopped;

    /// <summary>What each step of `up` cost on this host (for measuring a deployment).</summary>
    public HostTimings? Timings { get; init; }

    /// <summary>Why the host failed during `up`, if it did.</summary>
    public string? Error { get; init; }

    public DeployHost ToHost() => new() { Line = Line, Name = Name, Address = Address, SshPort = SshPort, RemoteDir = RemoteDir, HostKey = HostKey, NodePort = int.Parse(Listen[(Listen.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture), Nodes = Nodes };
}
