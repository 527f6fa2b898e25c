using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Totoro.Cli.Tests;

/// <summary>
/// A private sshd for the deploy tests: 127.0.0.1 on a free port (or an address inside a network namespace), its own
/// host key, authorized key and config, run in the foreground as a child process (`sshd -f cfg -D -e`) and stopped
/// when disposed.
/// </summary>
internal sealed class SshServer : IDisposable
{
    public const string Binary = "/usr/sbin/sshd";

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private SshServer(string directory, IPAddress address, int port, Process process)
    {
        Directory = directory;
        Address = address;
        Port = port;
        _process = process;
    }

    public IPAddress Address { get; }

    /// <summary>Holds the keys, the config and (under the tests' hands) the remote dirs.</summary>
    public string Directory { get; }

    public int Port { get; }

    public string UserKey => Path.Combine(Directory, "user_key");

    /// <summary>The host's public key line as ssh-keygen wrote it ("ssh-ed25519 BASE64 comment").</summary>
    public string HostPublicKey => File.ReadAllText(Path.Combine(Directory, "host_key.pub")).Trim();

    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>Why an sshd cannot be started here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!File.Exists(Binary))
            return $"{Binary} is missing (apt-get install openssh-server)";
        if (!File.Exists("/usr/bin/ssh-keygen"))
            return "/usr/bin/ssh-keygen is missing (apt-get install openssh-client)";
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            return "sshd must run as root here (it checks /run/sshd and switches users)";
        return null;
    }

    /// <param name="netns">Run inside this network namespace, listening on <paramref name="address"/> port 22.</param>
    /// <param name="userKey">Accept this private key (its .pub beside it) instead of making one.</param>
    public static SshServer Start(string? netns = null, IPAddress? address = null, string? userKey = null)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("totoro-sshd-").FullName;
        System.IO.Directory.CreateDirectory("/run/sshd"); // sshd's privilege-separation directory
        Keygen(Path.Combine(directory, "host_key"));
        if (userKey is null)
            Keygen(Path.Combine(directory, "user_key"));
        string authorized = Path.Combine(directory, "authorized_keys");
        File.Copy((userKey ?? Path.Combine(directory, "user_key")) + ".pub", authorized);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(authorized, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        address ??= IPAddress.Loopback;
        int port = netns is null ? TestPorts.Tcp() : 22;
        string config = Path.Combine(directory, "sshd_config");
        File.WriteAllText(config, $"""
            Port {port}
            ListenAddress {address}
            HostKey {directory}/host_key
            AuthorizedKeysFile {authorized}
            PidFile {directory}/sshd.pid
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            Subsystem sftp internal-sftp

            """);
        var start = new ProcessStartInfo(netns is null ? Binary : "ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in (netns is null ? [] : new[] { "netns", "exec", netns, Binary }).Concat(["-f", config, "-D", "-e"]))
            start.ArgumentList.Add(arg);
        var server = new SshServer(directory, address, port, Process.Start(start)!);
        server._process.ErrorDataReceived += (_, e) =>
        {
            lock (server._log)
                server._log.AppendLine(e.Data);
        };
        server._process.OutputDataReceived += (_, _) => { };
        server._process.BeginErrorReadLine();
        server._process.BeginOutputReadLine();
        server.WaitListening();
        return server;
    }

    private void WaitListening()
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(10))
        {
            Assert.False(_process.HasExited, $"sshd exited at start (code {(_process.HasExited ? _process.ExitCode : 0)}):\n{Log}");
            try
            {
                using var client = new TcpClient();
                client.Connect(Address, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        Assert.Fail($"sshd did not listen on {Address}:{Port} within 10 s:\n{Log}");
    }

    internal static void Keygen(string path)
    {
        var start = new ProcessStartInfo("/usr/bin/ssh-keygen") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[] { "-q", "-t", "ed25519", "-N", "", "-f", path })
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ssh-keygen failed: {error}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A node still writing its log: leave the temp dir behind rather than fail the test here.
        }
    }
}
