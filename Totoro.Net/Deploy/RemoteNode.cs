using System.Globalization;

namespace Totoro.Net.Deploy;

/// <summary>
/// Starting, checking and stopping `totoro node` on a host through its SSH session. The node runs under nohup in
/// DIR with its output in DIR/node.log, its metrics under DIR/data and its pid in DIR/node.pid.
/// </summary>
public static class RemoteNode
{
    /// <summary>A pid is ours while it is alive and still a totoro process (not a reused pid, not a zombie).</summary>
    private const string AliveFunction = "alive() { kill -0 \"$1\" 2>/dev/null && grep -q totoro \"/proc/$1/cmdline\" 2>/dev/null; }; ";

    public static int Start(HostSession session, bool selfContained, string dotnet, IReadOnlyList<string> nodeArguments)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(nodeArguments);
        string dir = ShellQuote.Quote(session.Host.RemoteDir);
        string program = selfContained ? "./app/totoro" : $"{ShellQuote.Quote(dotnet)} app/totoro.dll";
        string arguments = string.Join(' ', nodeArguments.Select(ShellQuote.Quote));
        string command = AliveFunction
            + $"cd {dir} && mkdir -p data && "
            + "if [ -f node.pid ] && alive \"$(cat node.pid)\"; then echo \"a node is already running there (pid $(cat node.pid))\" >&2; exit 3; fi; "
            + $"nohup {program} node {arguments} > node.log 2>&1 < /dev/null & echo $! > node.pid; echo $!";
        (int status, string stdout, string stderr) = session.Run(command);
        string who = $"host {session.Host.Name} ({session.Host.Target})";
        if (status == 3)
            throw new DeployHostException($"{who}: {HostSession.FirstLine(stderr)}: run `totoro deploy down` first (or kill it)");
        if (status != 0 || !int.TryParse(stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            throw new DeployHostException($"{who}: starting totoro node failed (exit {status}): {HostSession.FirstLine(stderr + stdout)}");
        return pid;
    }

    public static bool IsAlive(HostSession session, int pid)
    {
        ArgumentNullException.ThrowIfNull(session);
        return pid > 0 && session.Run(AliveFunction + $"alive {pid}").Status == 0;
    }

    /// <summary>The last lines of DIR/node.log, for saying why a node died.</summary>
    public static string LogTail(HostSession session, int lines = 5)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Run($"tail -n {lines} {ShellQuote.Quote(ShellQuote.Path(session.Host.RemoteDir, "node.log"))} 2>/dev/null").Stdout.Trim();
    }

    /// <summary>
    /// SIGTERM (the node leaves gracefully: its leaf sets are told), then SIGKILL if it is still there after
    /// <paramref name="timeout"/>. The waiting happens on the host, in one command.
    /// </summary>
    public static StopOutcome Stop(HostSession session, int pid, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (pid <= 0)
            return new StopOutcome(StopKind.NotRunning, TimeSpan.Zero);
        int ticks = Math.Max(1, (int)(timeout.TotalMilliseconds / 100));
        string command = AliveFunction
            + $"p={pid}; if ! alive $p; then echo gone 0; exit 0; fi; kill -TERM $p; i=0; "
            + $"while alive $p; do i=$((i+1)); if [ $i -ge {ticks} ]; then kill -KILL $p; sleep 0.2; if alive $p; then echo alive $i; else echo killed $i; fi; exit 0; fi; sleep 0.1; done; echo stopped $i";
        string stdout = session.RunChecked(command, $"stopping pid {pid}").Trim();
        string[] words = stdout.Split(' ');
        TimeSpan waited = TimeSpan.FromMilliseconds(100 * (words.Length > 1 && int.TryParse(words[1], CultureInfo.InvariantCulture, out int i) ? i : 0));
        return words[0] switch
        {
            "gone" => new StopOutcome(StopKind.NotRunning, waited),
            "stopped" => new StopOutcome(StopKind.Graceful, waited),
            "killed" => new StopOutcome(StopKind.Killed, waited),
            _ => throw new DeployHostException($"host {session.Host.Name} ({session.Host.Target}): pid {pid} survived SIGKILL: check the host"),
        };
    }
}

public enum StopKind
{
    NotRunning,
    Graceful,
    Killed,
}

/// <summary>How a node was stopped and how long it took.</summary>
public sealed record StopOutcome(StopKind Kind, TimeSpan Waited);
