using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Totoro.Net.Deploy;

/// <summary>
/// One SSH connection to one host entry (a shell channel for commands, SFTP for files). Every failure becomes a
/// <see cref="DeployHostException"/> naming the host and the fix.
/// </summary>
public sealed class HostSession : IDisposable
{
    private readonly SshClient _ssh;
    private readonly SftpClient _sftp;

    private HostSession(DeployHost host, SshClient ssh, SftpClient sftp)
    {
        Host = host;
        _ssh = ssh;
        _sftp = sftp;
    }

    public DeployHost Host { get; }

    /// <summary>How long a short remote command (list, start, stop, check) may take before the host is failed.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The SHA-256 fingerprint of the key the host showed ("SHA256:…").</summary>
    public string? HostKey { get; private init; }

    public static HostSession Open(DeployHost host, SshCredentials credentials, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(credentials);
        var ssh = new SshClient(credentials.ConnectionFor(host, timeout));
        var sftp = new SftpClient(credentials.ConnectionFor(host, timeout));
        // The policy decides (known_hosts, the state file's pin, trust on first use); without one, only the pin counts.
        string? seen = null, refusal = null;
        void Check(object? sender, HostKeyEventArgs e)
        {
            string key = "SHA256:" + e.FingerPrintSHA256;
            seen ??= key;
            string? why = seen != key ? $"its SSH host key changed between two connections ({seen}, then {key})"
                : credentials.HostKeys is { } policy ? policy.Decide(host, e.HostKey, key)
                : host.HostKey is null || host.HostKey == key ? null
                : $"its SSH host key changed: the deployment recorded {host.HostKey}, the host shows {key}. Someone may be in the way; if the host was reinstalled, delete its hostKey from the state file and run the command again";
            e.CanTrust = why is null;
            refusal ??= why;
        }

        ssh.HostKeyReceived += Check;
        sftp.HostKeyReceived += Check;
        try
        {
            Guard(host, credentials, ssh.Connect, () => refusal);
            Guard(host, credentials, sftp.Connect, () => refusal);
            return new HostSession(host, ssh, sftp) { HostKey = seen };
        }
        catch
        {
            ssh.Dispose();
            sftp.Dispose();
            throw;
        }
    }

    /// <summary>Runs a shell command; returns its exit status and output.</summary>
    public (int Status, string Stdout, string Stderr) Run(string command)
    {
        try
        {
            // A command that never comes back (seen once in 50 hosts on an overloaded machine) fails this host, not the deploy.
            using SshCommand run = _ssh.CreateCommand(command);
            run.CommandTimeout = CommandTimeout;
            run.Execute();
            return (run.ExitStatus ?? -1, run.Result, run.Error);
        }
        catch (Exception ex) when (ex is not DeployHostException)
        {
            // Anything SSH.NET throws on one host is that host's failure, reported with its name; the others go on.
            throw new DeployHostException($"host {Host.Name} ({Host.Target}): the SSH connection failed while running a command ({ex.Message}): check the host and run the command again", ex);
        }
    }

    /// <summary>
    /// Runs a command that must succeed, streaming <paramref name="write"/>'s bytes to its standard input over the SSH
    /// channel (the channel's window paces the writer); a failure names the host, the step and the remote error.
    /// </summary>
    public void RunCheckedWithInput(string command, Action<Stream> write, string step)
    {
        ArgumentNullException.ThrowIfNull(write);
        int status;
        string error;
        try
        {
            using SshCommand run = _ssh.CreateCommand(command);
            Task execution = run.ExecuteAsync();
            using (Stream input = run.CreateInputStream())
                write(input);
            execution.GetAwaiter().GetResult();
            (status, error) = (run.ExitStatus ?? -1, run.Error);
        }
        catch (Exception ex) when (ex is not DeployHostException)
        {
            throw new DeployHostException($"host {Host.Name} ({Host.Target}): {step} failed ({FirstLine(ex.Message)}): check the host and run the command again", ex);
        }

        if (status != 0)
            throw new DeployHostException($"host {Host.Name} ({Host.Target}): {step} failed (exit {status}): {FirstLine(error)}");
    }

    /// <summary>Runs a command that must succeed; a failure names the host, the step and the remote error.</summary>
    public string RunChecked(string command, string step)
    {
        (int status, string stdout, string stderr) = Run(command);
        if (status != 0)
            throw new DeployHostException($"host {Host.Name} ({Host.Target}): {step} failed (exit {status}): {FirstLine(stderr.Length > 0 ? stderr : stdout)}");
        return stdout;
    }

    internal T Sftp<T>(Func<SftpClient, T> action, string step)
    {
        try
        {
            return action(_sftp);
        }
        catch (Exception ex) when (ex is not DeployHostException)
        {
            throw new DeployHostException($"host {Host.Name} ({Host.Target}): {step} failed ({FirstLine(ex.Message)}): check the remote dir '{Host.RemoteDir}' is writable and has space", ex);
        }
    }

    internal static string FirstLine(string text)
    {
        string trimmed = text.Trim();
        int newline = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? trimmed : trimmed[..newline].TrimEnd();
    }

    private static void Guard(DeployHost host, SshCredentials credentials, Action connect, Func<string?> refusal)
    {
        string who = $"host {host.Name} ({host.Target}, hosts file line {host.Line})";
        try
        {
            connect();
        }
        catch (Exception ex) when (ex is not DeployHostException && refusal() is { } why)
        {
            throw new DeployHostException($"{who}: {why}", ex);
        }
        catch (SshAuthenticationException ex)
        {
            throw new DeployHostException($"{who}: user '{credentials.User}' was refused with key {credentials.KeyPath} ({FirstLine(ex.Message)}): add {credentials.KeyPath}.pub to ~{credentials.User}/.ssh/authorized_keys there, or pass --user", ex);
        }
        catch (SocketException ex)
        {
            throw new DeployHostException($"{who}: cannot connect ({ex.SocketErrorCode}: {FirstLine(ex.Message)}): is the host up, sshd running and the SSH port right?", ex);
        }
        catch (SshOperationTimeoutException ex)
        {
            throw new DeployHostException($"{who}: no SSH answer in time ({FirstLine(ex.Message)}): is the host up and the SSH port right?", ex);
        }
        catch (SshConnectionException ex)
        {
            throw new DeployHostException($"{who}: the SSH handshake failed ({FirstLine(ex.Message)}): is that port an SSH server?", ex);
        }
        catch (Exception ex) when (ex is not DeployHostException)
        {
            throw new DeployHostException($"{who}: SSH failed ({FirstLine(ex.Message)}): check the host and its sshd log", ex);
        }
    }

    public void Dispose()
    {
        _sftp.Dispose();
        _ssh.Dispose();
    }
}
