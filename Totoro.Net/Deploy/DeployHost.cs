namespace Totoro.Net.Deploy;

/// <summary>
/// One entry of a hosts file: where to SSH to, where the build and the node's files live there, and the UDP port
/// and logical-node count of the `totoro node` it runs. Several entries may name one machine (distinct dir and port).
/// </summary>
public sealed record DeployHost
{
    /// <summary>The hosts file's line this entry came from (for error messages).</summary>
    public required int Line { get; init; }

    /// <summary>A label unique within the deployment: the collect directory's name.</summary>
    public required string Name { get; init; }

    /// <summary>Host name or IPv4 address to SSH to; the node listens on its IPv4 address.</summary>
    public required string Address { get; init; }

    public int SshPort { get; init; } = 22;

    /// <summary>Remote directory (relative to the user's home unless absolute): app/ holds the build.</summary>
    public string RemoteDir { get; init; } = "totoro";

    public int NodePort { get; init; } = 7100;

    /// <summary>Logical nodes on this host; null takes the deployment's default.</summary>
    public int? Nodes { get; init; }

    /// <summary>
    /// The SSH host key's SHA-256 fingerprint this deployment saw at `up` (trust on first use); a later session to a
    /// host that shows another key is refused. Null: not known yet, any key is taken and recorded.
    /// </summary>
    public string? HostKey { get; init; }

    /// <summary>host:sshport as the user wrote it, for messages.</summary>
    public string Target => $"{Address}:{SshPort}";
}
