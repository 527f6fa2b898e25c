using Renci.SshNet;

namespace Totoro.Net.Deploy;

/// <summary>
/// Which SSH host keys deploy accepts: the ones a known_hosts file holds for the host, the one the deployment's state
/// file pinned at `up`, and (with <see cref="TrustNew"/>) a host's first key, which is then appended to the file. A
/// changed, revoked or unknown key is refused with one line saying which and the fix.
/// </summary>
public sealed class HostKeyPolicy(KnownHosts file, bool trustNew)
{
    public KnownHosts File { get; } = file ?? throw new ArgumentNullException(nameof(file));

    /// <summary>Trust on first use: a host the file does not know is accepted and recorded.</summary>
    public bool TrustNew { get; } = trustNew;

    /// <summary>Null when the key is trusted; otherwise why not (a sentence without the host's name).</summary>
    public string? Decide(DeployHost host, byte[] blob, string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(blob);
        string token = KnownHosts.HostToken(host.Address, host.SshPort);
        string type = KnownHosts.KeyType(blob) ?? "unknown-type";
        string remove = $"remove the old key (`ssh-keygen -R '{token}' -f {File.Path}`) and run again";
        if (host.HostKey is not null && host.HostKey != fingerprint)
            return $"its SSH host key changed: the deployment recorded {host.HostKey}, the host shows {fingerprint}. Someone may be in the way; if the host was reinstalled, delete its hostKey from the state file, {remove}";
        KnownHostCheck check = File.Check(host.Address, host.SshPort, blob);
        switch (check.Verdict)
        {
            case KnownHostVerdict.Known:
                return null;
            case KnownHostVerdict.Revoked:
                return $"its SSH host key {fingerprint} is marked @revoked in {File.Path} line {check.Line}: refused";
            case KnownHostVerdict.Changed:
                return $"its SSH host key changed: {File.Path} line {check.Line} holds another {type} key for {token}, the host shows {fingerprint}. Someone may be in the way; if the host was reinstalled, {remove}";
            case KnownHostVerdict.OtherType:
                return $"its SSH host key changed type: {File.Path} line {check.Line} holds a {check.StoredType} key for {token}, the host shows a {type} key ({fingerprint}). Someone may be in the way; if the host was reinstalled, {remove}";
        }

        if (host.HostKey == fingerprint)
            return null; // not in the file, but this deployment saw and accepted it at `up`
        if (!TrustNew)
            return $"its SSH host key ({type} {fingerprint}) is not in {File.Path}: check the fingerprint, then pass --trust-new-hosts to record it there (or add it yourself: `ssh-keyscan -p {host.SshPort} {host.Address} >> {File.Path}`)";
        File.Append(host.Address, host.SshPort, blob);
        return null;
    }

    /// <summary>
    /// Offers only the key types the file holds for the host (when it holds any), so a server with several keys shows
    /// the one we can check rather than one we would have to refuse.
    /// </summary>
    public void Restrict(DeployHost host, ConnectionInfo connection)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(connection);
        IReadOnlySet<string> known = File.KeyTypesFor(host.Address, host.SshPort);
        if (known.Count == 0)
            return;
        List<string> other = [.. connection.HostKeyAlgorithms.Keys.Where(a => !known.Contains(KeyTypeOf(a)))];
        if (other.Count == connection.HostKeyAlgorithms.Count)
            return; // nothing we know is on offer: let the exchange happen and refuse the key by name
        foreach (string algorithm in other)
            connection.HostKeyAlgorithms.Remove(algorithm);
    }

    /// <summary>The key type a host key algorithm signs with (RSA keys sign as rsa-sha2-256/512 too).</summary>
    private static string KeyTypeOf(string algorithm)
        => algorithm.StartsWith("rsa-sha2-", StringComparison.Ordinal) ? "ssh-rsa" : algorithm;
}
