using Renci.SshNet;
using Renci.SshNet.Common;

namespace Totoro.Net.Deploy;

/// <summary>The user and private key every host is reached with; the key file is checked once, up front.</summary>
public sealed class SshCredentials : IDisposable
{
    private readonly PrivateKeyFile _key;

    private SshCredentials(string user, string keyPath, PrivateKeyFile key, HostKeyPolicy? hostKeys)
    {
        User = user;
        KeyPath = keyPath;
        _key = key;
        HostKeys = hostKeys;
    }

    public string User { get; }

    public string KeyPath { get; }

    /// <summary>Which host keys are accepted; null: only the state file's pinned key is checked (any key when none).</summary>
    public HostKeyPolicy? HostKeys { get; }

    public static SshCredentials Load(string user, string keyPath, HostKeyPolicy? hostKeys = null)
    {
        if (string.IsNullOrWhiteSpace(user))
            throw new DeployConfigException("--user is empty: give the remote user name");
        if (!File.Exists(keyPath))
            throw new DeployConfigException($"key file '{keyPath}' does not exist: pass --key with a private key (create one with `ssh-keygen -t ed25519 -f {keyPath}`)");
        try
        {
            return new SshCredentials(user, Path.GetFullPath(keyPath), new PrivateKeyFile(keyPath), hostKeys);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            throw new DeployConfigException($"key file '{keyPath}' is encrypted: use a key without a passphrase (`ssh-keygen -p -N '' -f {keyPath}`)");
        }
        catch (Exception ex) when (ex is SshException or InvalidOperationException or ArgumentException or FormatException or NotSupportedException)
        {
            throw new DeployConfigException($"key file '{keyPath}' is not a private key SSH.NET can read ({ex.Message}): give an OpenSSH or PEM private key");
        }
    }

    internal ConnectionInfo ConnectionFor(DeployHost host, TimeSpan timeout)
    {
        var connection = new ConnectionInfo(host.Address, host.SshPort, User, new PrivateKeyAuthenticationMethod(User, _key)) { Timeout = timeout };
        HostKeys?.Restrict(host, connection);
        return connection;
    }

    public void Dispose() => _key.Dispose();
}
