using Renci.SshNet;
using Renci.SshNet.Common;

namespace Totoro.Net.Deploy;

/// <summary>The user and private key every host is reached with; the key file is checked once, up front.</summary>
public sealed class SshCredentials : IDisposable
{
    private readonly PrivateKeyFile _key;

    private SshCredentials(string user, string keyPath, PrivateKeyFile key)
    {
        User = user;
        KeyPath = keyPath;
        _key = key;
    }

    public string User { get; }

    public string KeyPath { get; }

    public static SshCredentials Load(string user, string keyPath)
    {
        if (string.IsNullOrWhiteSpace(user))
            throw new DeployConfigException("--user is empty: give the remote user name");
        if (!File.Exists(keyPath))
            throw new DeployConfigException($"key file '{keyPath}' does not exist: pass --key with a private key (create one with `ssh-keygen -t ed25519 -f {keyPath}`)");
        try
        {
            return new SshCredentials(user, Path.GetFullPath(keyPath), new PrivateKeyFile(keyPath));
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
        => new(host.Address, host.SshPort, User, new PrivateKeyAuthenticationMethod(User, _key)) { Timeout = timeout };

    public void Dispose() => _key.Dispose();
}
