using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Totoro.Net.Deploy;

namespace Totoro.Cli;

/// <summary>
/// `totoro deploy up|status|down|collect`: ship a build to hosts over SSH, run `totoro node` on each, watch, stop
/// and collect them. A failing host prints one `error:` line naming it and the fix; the others carry on (exit 1).
/// </summary>
internal static class DeployCommand
{
    public static Command Create()
    {
        var command = new Command("deploy", "Deploy `totoro node` to hosts over SSH: up, status, down, collect");
        command.Subcommands.Add(Up());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Down());
        command.Subcommands.Add(Collect());
        return command;
    }

    private static Option<string> State() => new("--state") { Description = "The deployment's state file (written by up, read by the others)", DefaultValueFactory = _ => "deploy.json" };

    private static Option<int> SshTimeout() => new("--ssh-timeout") { Description = "Seconds to wait for a host's SSH connection", DefaultValueFactory = _ => 10 };

    private static Option<int> Parallel() => new("--parallel") { Description = "Hosts worked on at once in every phase", DefaultValueFactory = _ => UpOptions.DefaultParallelism };

    private static Option<string?> KnownHostsFile(string fallback) => new("--known-hosts")
    {
        Description = $"OpenSSH known_hosts file host keys are checked against (plain, hashed |1| and [host]:port entries; default: {fallback})",
    };

    /// <summary>~/.ssh/known_hosts, where ssh keeps them (used whether or not it exists yet).</summary>
    private static string DefaultKnownHosts() => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    private static Command Up()
    {
        var hosts = new Option<string>("--hosts") { Description = "Hosts file: one `HOST[:SSHPORT] [dir=PATH] [port=UDPPORT] [nodes=K] [name=LABEL]` per line, # comments", Required = true };
        var key = new Option<string>("--key") { Description = "Private key file for SSH (no passphrase)", Required = true };
        var user = new Option<string>("--user") { Description = "Remote user", DefaultValueFactory = _ => Environment.UserName };
        var perHost = new Option<int>("--nodes-per-host") { Description = "Logical nodes per host (a hosts-file line's nodes=K overrides it)", DefaultValueFactory = _ => 1 };
        var build = new Option<string?>("--build") { Description = "A `dotnet publish` output of Totoro.Cli to upload (default: publish one, self-contained linux-x64)" };
        var dotnet = new Option<string>("--dotnet") { Description = "The dotnet command on the hosts, used when the build is not self-contained", DefaultValueFactory = _ => "dotnet" };
        var nodeArgs = new Option<string>("--node-args") { Description = "Extra `totoro node` options for every host, e.g. \"--ping-period-ms 1000 --log-level debug\"", DefaultValueFactory = _ => "" };
        var joinTimeout = new Option<int>("--join-timeout") { Description = "Seconds to wait for every host's nodes to join", DefaultValueFactory = _ => 60 };
        Option<string> state = State();
        Option<int> sshTimeout = SshTimeout();
        var ca = new Option<string?>("--ca") { Description = "The deployment's authority directory, made on first use; every host gets a certificate from it (default: beside the state file, STATE-ca)" };
        Option<int> parallel = Parallel();
        Option<string?> knownHosts = KnownHostsFile("~/.ssh/known_hosts");
        var trustNew = new Option<bool>("--trust-new-hosts") { Description = "Trust on first use: accept the key of a host the known_hosts file does not know and append it there (a changed key is still refused)" };
        var command = new Command("up", "Upload a build to every host (skipping files that match), certify each host, start `totoro node` there (the first host founds the overlay), wait until all joined, write the state file")
        {
            hosts, key, user, perHost, build, dotnet, nodeArgs, joinTimeout, state, sshTimeout, ca, parallel, knownHosts, trustNew,
        };
        command.SetAction(parsed => Guard(() =>
        {
            int nodes = parsed.GetValue(perHost);
            if (nodes is < 1 or > 1000)
                throw new UsageException($"--nodes-per-host must be from 1 to 1000 (got {nodes})");
            int join = Positive(parsed.GetValue(joinTimeout), "--join-timeout");
            int ssh = Positive(parsed.GetValue(sshTimeout), "--ssh-timeout");
            int workers = CheckParallel(parsed.GetValue(parallel));
            string statePath = parsed.GetValue(state)!;
            if (File.Exists(statePath) && DeployState.Load(statePath).Hosts.FirstOrDefault(h => h.Running) is { } running)
                throw new UsageException($"state file '{statePath}' describes a running deployment ({running.Name}, pid {running.Pid}): run `totoro deploy down --state {statePath}` first, or pass another --state");
            IReadOnlyList<DeployHost> list = HostsFile.Read(parsed.GetValue(hosts)!);
            string knownPath = Path.GetFullPath(parsed.GetValue(knownHosts) ?? DefaultKnownHosts());
            using SshCredentials credentials = SshCredentials.Load(parsed.GetValue(user)!, parsed.GetValue(key)!,
                new HostKeyPolicy(KnownHosts.Load(knownPath), parsed.GetValue(trustNew)));
            string? buildDir = parsed.GetValue(build);
            string? published = null;
            try
            {
                if (buildDir is null)
                {
                    published = Directory.CreateTempSubdirectory("totoro-publish-").FullName;
                    var publishTime = Stopwatch.StartNew();
                    BuildPublisher.Publish(BuildPublisher.FindProject(), published, Print);
                    Print(string.Create(CultureInfo.InvariantCulture, $"published in {publishTime.Elapsed.TotalSeconds:F1} s"));
                    buildDir = published;
                }

                LocalBuild local = LocalBuild.Scan(buildDir);
                Print(string.Create(CultureInfo.InvariantCulture,
                    $"build {local.Directory}: {local.Files.Count} files, {local.Bytes / 1e6:F1} MB, {(local.SelfContained ? "self-contained" : $"framework-dependent (runs under `{parsed.GetValue(dotnet)}` on the hosts)")}"));
                var options = new UpOptions
                {
                    NodesPerHost = nodes,
                    Dotnet = parsed.GetValue(dotnet)!,
                    NodeArguments = parsed.GetValue(nodeArgs)!.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                    JoinTimeout = TimeSpan.FromSeconds(join),
                    SshTimeout = TimeSpan.FromSeconds(ssh),
                    AuthorityDirectory = Path.GetFullPath(parsed.GetValue(ca) ?? Path.ChangeExtension(statePath, null) + "-ca"),
                    Parallelism = workers,
                };
                DeployState deployed;
                IReadOnlyList<HostReport> reports;
                using (DeployProgress progress = DeployProgress.ForConsole())
                    (deployed, reports) = Deployment.Up(list, credentials, local, options, progress);
                deployed = deployed with { KnownHosts = knownPath };
                deployed.Save(statePath);
                Console.Out.WriteLine($"state written to {statePath}; bootstrap {deployed.Bootstrap}");
                return Finish(reports);
            }
            finally
            {
                if (published is not null)
                    Directory.Delete(published, recursive: true);
            }
        }));
        return command;
    }

    private static Command Status()
    {
        Option<string> state = State();
        Option<int> sshTimeout = SshTimeout();
        Option<int> parallel = Parallel();
        Option<string?> knownHosts = KnownHostsFile("the one up used");
        var command = new Command("status", "Ask every host whether its node runs (SSH) and how many of its nodes have joined (control protocol); exit 1 unless all are up") { state, sshTimeout, parallel, knownHosts };
        command.SetAction(parsed => Guard(() =>
        {
            DeployState deployed = DeployState.Load(parsed.GetValue(state)!);
            using SshCredentials credentials = Credentials(deployed, parsed.GetValue(knownHosts));
            IReadOnlyList<HostStatus> rows;
            using (DeployProgress progress = DeployProgress.ForConsole())
                rows = Deployment.Status(deployed, credentials, TimeSpan.FromSeconds(Positive(parsed.GetValue(sshTimeout), "--ssh-timeout")), CheckParallel(parsed.GetValue(parallel)), progress);
            int width = Math.Max(4, rows.Max(r => r.Name.Length));
            Console.Out.WriteLine($"{"host".PadRight(width)}  {"ssh",-21}  {"node",-21}  {"pid",7}  joined  up");
            foreach (HostStatus row in rows)
            {
                string up = row.Alive switch { true => "yes", false => "no", null => "?" };
                if (row.Alive == false && row.Stopped)
                    up = "no (stopped by down)";
                string joined = row.Joined is { } j ? $"{j}/{row.Nodes}" : $"-/{row.Nodes}";
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Name.PadRight(width)}  {row.Target,-21}  {row.Listen,-21}  {row.Pid,7}  {joined,-6}  {up}"));
            }

            foreach (HostStatus row in rows.Where(r => r.Error is not null))
                Console.Error.WriteLine($"error: {row.Error}");
            int healthy = rows.Count(r => r.Healthy);
            Console.Out.WriteLine($"{healthy}/{rows.Count} hosts up with all nodes joined");
            return healthy == rows.Count ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }

    private static Command Down()
    {
        Option<string> state = State();
        Option<int> sshTimeout = SshTimeout();
        var timeout = new Option<int>("--timeout") { Description = "Seconds a node gets to leave after SIGTERM before SIGKILL", DefaultValueFactory = _ => 10 };
        Option<int> parallel = Parallel();
        Option<string?> knownHosts = KnownHostsFile("the one up used");
        var command = new Command("down", "Stop every host's node: SIGTERM (it leaves the overlay gracefully), SIGKILL after --timeout") { state, timeout, sshTimeout, parallel, knownHosts };
        command.SetAction(parsed => Guard(() =>
        {
            DeployState deployed = DeployState.Load(parsed.GetValue(state)!);
            using SshCredentials credentials = Credentials(deployed, parsed.GetValue(knownHosts));
            DeployState stopped;
            IReadOnlyList<HostReport> reports;
            using (DeployProgress progress = DeployProgress.ForConsole())
            {
                (stopped, reports) = Deployment.Down(deployed, credentials, TimeSpan.FromSeconds(Positive(parsed.GetValue(timeout), "--timeout")),
                    TimeSpan.FromSeconds(Positive(parsed.GetValue(sshTimeout), "--ssh-timeout")), CheckParallel(parsed.GetValue(parallel)), progress);
            }

            stopped.Save(parsed.GetValue(state)!);
            return Finish(reports);
        }));
        return command;
    }

    private static Command Collect()
    {
        Option<string> state = State();
        Option<int> sshTimeout = SshTimeout();
        var output = new Option<string>("--out") { Description = "Directory to collect into (one subdirectory per host)", DefaultValueFactory = _ => "deploy-results" };
        Option<int> parallel = Parallel();
        Option<string?> knownHosts = KnownHostsFile("the one up used");
        var command = new Command("collect", "Download every host's node.log and metrics CSV into OUT/HOST/") { state, output, sshTimeout, parallel, knownHosts };
        command.SetAction(parsed => Guard(() =>
        {
            DeployState deployed = DeployState.Load(parsed.GetValue(state)!);
            using SshCredentials credentials = Credentials(deployed, parsed.GetValue(knownHosts));
            IReadOnlyList<HostReport> reports;
            using (DeployProgress progress = DeployProgress.ForConsole())
            {
                reports = Deployment.Collect(deployed, credentials, parsed.GetValue(output)!, TimeSpan.FromSeconds(Positive(parsed.GetValue(sshTimeout), "--ssh-timeout")),
                    CheckParallel(parsed.GetValue(parallel)), progress);
            }

            return Finish(reports);
        }));
        return command;
    }

    /// <summary>Each host's line: results on stdout, failures as one `error:` line each on stderr; exit 1 if any failed.</summary>
    private static int Finish(IReadOnlyList<HostReport> reports)
    {
        foreach (HostReport report in reports.Where(r => r.Ok))
            Console.Out.WriteLine($"{report.Name} ({report.Target}): {report.Detail}");
        foreach (HostReport report in reports.Where(r => !r.Ok))
            Console.Error.WriteLine($"error: {report.Detail}");
        return reports.All(r => r.Ok) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static readonly Lock PrintLock = new();

    private static void Print(string line)
    {
        lock (PrintLock)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }

    /// <summary>The state's user and key; host keys checked against the known_hosts file up used (or the one given) and the state's pins.</summary>
    private static SshCredentials Credentials(DeployState deployed, string? knownHosts)
    {
        string path = Path.GetFullPath(knownHosts ?? deployed.KnownHosts ?? DefaultKnownHosts());
        return SshCredentials.Load(deployed.User, deployed.Key, new HostKeyPolicy(KnownHosts.Load(path), trustNew: false));
    }

    private static int CheckParallel(int parallel)
        => parallel is >= 1 and <= 256 ? parallel : throw new UsageException($"--parallel must be from 1 to 256 (got {parallel})");

    private static int Positive(int seconds, string option)
        => seconds >= 1 ? seconds : throw new UsageException($"{option} must be at least 1 second (got {seconds})");

    /// <summary>Bad deploy input (hosts file, key, state file) is bad usage: exit code 2.</summary>
    private static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (DeployConfigException ex)
        {
            throw new UsageException(ex.Message);
        }
    }
}
