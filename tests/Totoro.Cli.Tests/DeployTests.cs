using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Totoro.Core.Learning;
using Totoro.Net.Control;
using Totoro.Net.Deploy;
using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>`totoro deploy` for real: a private sshd on loopback stands in for three hosts (distinct dirs and ports).</summary>
public class DeployTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Deploy_to_three_ssh_hosts_trains_an_app_collects_results_stops_everything_and_redeploys_only_changes()
    {
        Needs.Component(SshServer.Unavailable());

        using SshServer sshd = SshServer.Start();
        string dir = sshd.Directory;
        int[] ports = [.. Enumerable.Range(0, 3).Select(_ => TestPorts.Udp())];
        string hosts = Path.Combine(dir, "hosts.txt");
        File.WriteAllText(hosts, $"""
            # three "hosts" behind one sshd
            127.0.0.1:{sshd.Port} dir={dir}/h1 port={ports[0]}
            127.0.0.1:{sshd.Port} dir={dir}/h2 port={ports[1]} nodes=2   # a smaller host
            127.0.0.1:{sshd.Port} dir={dir}/h3 port={ports[2]} name=h3

            """);
        string state = Path.Combine(dir, "deploy.json");
        string knownHosts = Path.Combine(dir, "known_hosts");
        // The test's own output holds totoro.dll and everything it needs (framework-dependent): no publish here, and
        // without libtorch, which three copies of would put 3 GB on the disk for nodes that train logreg.
        string build = SlimBuild.CopyTo(dir);
        string[] up = ["deploy", "up", "--hosts", hosts, "--key", sshd.UserKey, "--nodes-per-host", "4", "--build", build,
            "--state", state, "--dotnet", DotnetPath(), "--node-args", "--ping-period-ms 1000", "--join-timeout", "40", "--known-hosts", knownHosts, "--trust-new-hosts"];
        var deployed = TotoroProcess.Run(up);
        output.WriteLine(deployed.Stdout + deployed.Stderr);
        Assert.True(deployed.ExitCode == 0, deployed.Stdout + deployed.Stderr + sshd.Log);
        Assert.Contains("3/3 hosts up", deployed.Stdout);
        DeployState first = DeployState.Load(state);
        try
        {
            // Node counts follow the file (4 + 2 + 4 nodes) and every pid is a live totoro process on this machine.
            Assert.Equal([4, 2, 4], first.Hosts.Select(h => h.Nodes));
            Assert.All(first.Hosts, h => Assert.True(IsTotoro(h.Pid), $"{h.Name} pid {h.Pid} is not running"));
            // Every uploaded file is byte-for-byte the local one (the oracle: the build directory's own hashes).
            LocalBuild local = LocalBuild.Scan(build);
            foreach (string h in new[] { "h1", "h2", "h3" })
            {
                foreach (BuildFile file in local.Files)
                    Assert.Equal(file.Sha256, Sha256(Path.Combine(dir, h, "app", file.RelativePath)));
            }

            var status = TotoroProcess.Run("deploy", "status", "--state", state);
            output.WriteLine(status.Stdout);
            Assert.True(status.ExitCode == 0, status.Stdout + status.Stderr);
            Assert.Contains("3/3 hosts up with all nodes joined", status.Stdout);
            Assert.Matches(@"h3\s.*\s4/4\s+yes", status.Stdout);

            // Every host was certified by the deployment's authority and runs certified; its ids are derived from its key.
            Assert.NotNull(first.Authority);
            foreach (string h in new[] { "h1", "h2", "h3" })
            {
                var certificate = Totoro.Net.Security.Certificate.Load(Path.Combine(dir, h, "data", "node.cert"));
                Assert.Contains($"certified as node '{certificate.Name}'", File.ReadAllText(Path.Combine(dir, h, "node.log")));
                Assert.Contains(Totoro.Net.Security.NodeIdentity.Derive(certificate.PublicKey, 0).ToString(), File.ReadAllText(Path.Combine(dir, h, "node.log")));
            }

            // Trust on first use: `up` pinned the key the sshd showed; a host that shows another is refused by name.
            string pinned = first.Hosts[0].HostKey!;
            Assert.StartsWith("SHA256:", pinned);
            Assert.All(first.Hosts, h => Assert.Equal(pinned, h.HostKey)); // one sshd behind all three entries
            (first with { Hosts = [first.Hosts[0] with { HostKey = "SHA256:not-the-key-up-saw" }, .. first.Hosts.Skip(1)] }).Save(state);
            var spoofed = TotoroProcess.Run("deploy", "status", "--state", state);
            Assert.Equal(1, spoofed.ExitCode);
            Assert.Contains("its SSH host key changed", spoofed.Stderr);
            Assert.Contains(pinned, spoofed.Stderr);
            Assert.DoesNotContain("   at ", spoofed.Stderr);
            first.Save(state);

            // known_hosts: trust on first use wrote the sshd's own key once, in ssh's [host]:port form (the oracle: its .pub).
            Assert.Equal([$"[127.0.0.1]:{sshd.Port} {string.Join(' ', sshd.HostPublicKey.Split(' ')[..2])}"], File.ReadAllLines(knownHosts));
            // Without --trust-new-hosts, a host missing from the file is refused by name; with another key there, the change is.
            string strange = Path.Combine(dir, "strange_hosts"), stateX = Path.Combine(dir, "x.json");
            File.WriteAllText(strange, "");
            string[] upX = ["deploy", "up", "--hosts", hosts, "--key", sshd.UserKey, "--build", build, "--state", stateX, "--known-hosts", strange];
            var unknown = TotoroProcess.Run(upX);
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains($"host h3 (127.0.0.1:{sshd.Port}, hosts file line 4): its SSH host key (ssh-ed25519 {pinned}) is not in {strange}: check the fingerprint, then pass --trust-new-hosts", unknown.Stderr);
            Assert.Empty(File.ReadAllText(strange));
            string otherKey = Path.Combine(dir, "other_host_key");
            SshServer.Keygen(otherKey);
            File.WriteAllText(strange, $"# hashed by ssh-keygen -H below\n[127.0.0.1]:{sshd.Port} {string.Join(' ', File.ReadAllText(otherKey + ".pub").Split(' ')[..2])}\n");
            using (var hash = System.Diagnostics.Process.Start("/usr/bin/ssh-keygen", ["-q", "-H", "-f", strange]))
                hash.WaitForExit();
            Assert.StartsWith("|1|", File.ReadAllLines(strange)[1]);
            var changed = TotoroProcess.Run([.. upX, "--trust-new-hosts"]);
            Assert.Equal(1, changed.ExitCode);
            Assert.Contains($"host h3 (127.0.0.1:{sshd.Port}, hosts file line 4): its SSH host key changed: {strange} line 2 holds another ssh-ed25519 key for [127.0.0.1]:{sshd.Port}, the host shows {pinned}", changed.Stderr);
            Assert.DoesNotContain("   at ", changed.Stderr);
            Assert.Equal(0, DeployState.Load(stateX).Hosts.Count(h => h.Pid > 0));

            // A small app through one host, watched through another; the model must equal the simulator's.
            var spec = new AppSpec { Name = "deployed-logreg", Model = "logreg", Dataset = "synthetic", Workers = 10, Rounds = 3, ClientsPerRound = 5 };
            var submit = TotoroProcess.Run("app", "submit", "--via", first.Hosts[1].Listen, "--name", spec.Name, "--model", "logreg", "--dataset", "synthetic",
                "--workers", "10", "--rounds", "3", "--clients-per-round", "5", "--seed", "3");
            Assert.True(submit.ExitCode == 0, submit.Stderr);
            var watch = TotoroProcess.Run("app", "watch", "--via", first.Hosts[2].Listen, spec.Name, "--json", "--timeout", "60");
            Assert.True(watch.ExitCode == 0, watch.Stdout + watch.Stderr);
            AppStatus result = JsonSerializer.Deserialize<AppStatus>(watch.Stdout.Trim().Split('\n')[^1], ControlJson.Options)!;
            Assert.True(result.Finished);
            Assert.Equal(3, result.Round);
            float[] simulated = RealModeTests.SimulatedModel(spec, 3);
            double maxDiff = simulated.Zip(result.Model!).Max(p => Math.Abs(p.First - p.Second));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"deployed app: accuracy {result.Accuracy:F4} after {result.Round} rounds; max |deployed - simulated| {maxDiff:E2}"));
            Assert.True(maxDiff <= 1e-4, $"deployed and simulated models differ by {maxDiff}");

            // Down: SIGTERM, every node leaves gracefully, and no process of the deployment is left.
            var down = TotoroProcess.Run("deploy", "down", "--state", state);
            output.WriteLine(down.Stdout);
            Assert.True(down.ExitCode == 0, down.Stdout + down.Stderr);
            Assert.Equal(3, down.Stdout.Split('\n').Count(l => l.Contains("left gracefully", StringComparison.Ordinal)));
            Assert.All(first.Hosts, h => Assert.False(IsTotoro(h.Pid), $"{h.Name} pid {h.Pid} is still running"));
            Assert.Empty(ProcessesMentioning(dir));

            // Collect after down: each host's files arrive whole, under OUT/NAME/.
            string collected = Path.Combine(dir, "collected");
            var collect = TotoroProcess.Run("deploy", "collect", "--state", state, "--out", collected);
            output.WriteLine(collect.Stdout);
            Assert.True(collect.ExitCode == 0, collect.Stdout + collect.Stderr);
            foreach ((DeployedHost host, string remote) in first.Hosts.Zip(new[] { "h1", "h2", "h3" }))
            {
                foreach (string file in new[] { "node.log", "metrics.csv" })
                {
                    string remoteFile = file == "node.log" ? Path.Combine(dir, remote, file) : Path.Combine(dir, remote, "data", file);
                    Assert.Equal(File.ReadAllBytes(remoteFile), File.ReadAllBytes(Path.Combine(collected, host.Name, file)));
                }

                Assert.Contains("leaving: telling the trees and the leaf sets", File.ReadAllText(Path.Combine(collected, host.Name, "node.log")));
                Assert.True(File.ReadAllLines(Path.Combine(collected, host.Name, "metrics.csv")).Length >= 2, $"{host.Name}: metrics.csv has no rows");
            }

            // Re-deploy with one unreachable entry added: the good hosts send nothing (sizes and hashes match) and
            // come up; the bad one is named with the fix, and exit code 1 says not all are up.
            File.AppendAllText(hosts, $"127.0.0.1:{TestPorts.Tcp()} dir={dir}/h4 port={TestPorts.Udp()}\n");
            int badLine = File.ReadAllLines(hosts).Length;
            var again = TotoroProcess.Run(up);
            output.WriteLine(again.Stdout + again.Stderr);
            Assert.Equal(1, again.ExitCode);
            Assert.Equal(3, again.Stderr.Split('\n').Count(l => l.Contains($": uploaded: sent 0/{local.Files.Count} files", StringComparison.Ordinal)));
            Assert.Contains("3/4 hosts up", again.Stdout);
            Assert.Contains($"hosts file line {badLine}): cannot connect", again.Stderr);
            Assert.DoesNotContain("   at ", again.Stderr);
            var downAgain = TotoroProcess.Run("deploy", "down", "--state", state);
            Assert.True(downAgain.ExitCode == 0, downAgain.Stdout + downAgain.Stderr);
            Assert.Contains("never started, skipped", downAgain.Stdout);
            Assert.Empty(ProcessesMentioning(dir));

            // A node that ignores SIGTERM is killed after --timeout (a stub named like totoro, SIGTERM ignored).
            int stub = StartStubIgnoringSigterm(sshd, Path.Combine(dir, "h1"));
            DeployState stubState = first with { Hosts = [first.Hosts[0] with { Pid = stub, Stopped = false }] };
            stubState.Save(state);
            var kill = TotoroProcess.Run("deploy", "down", "--state", state, "--timeout", "1");
            Assert.True(kill.ExitCode == 0, kill.Stdout + kill.Stderr);
            Assert.Contains($"pid {stub} ignored SIGTERM for 1 s and was killed", kill.Stdout);
            Assert.False(IsTotoro(stub), $"stub {stub} survived");

            // A key the hosts do not accept: every host is named with the fix, nothing starts.
            File.WriteAllText(hosts, $"127.0.0.1:{sshd.Port} dir={dir}/h1 port={ports[0]}\n");
            var refused = TotoroProcess.Run("deploy", "up", "--hosts", hosts, "--key", WrongKey(dir), "--build", build, "--state", Path.Combine(dir, "refused.json"), "--known-hosts", knownHosts);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("user 'root' was refused with key", refused.Stderr);
            Assert.Contains("authorized_keys", refused.Stderr);

            // A node that dies at start is reported with the end of its log, not waited for.
            var dies = TotoroProcess.Run("deploy", "up", "--hosts", hosts, "--key", sshd.UserKey, "--build", build, "--dotnet", DotnetPath(), "--known-hosts", knownHosts,
                "--state", Path.Combine(dir, "dies.json"), "--node-args", "--log-level bogus");
            Assert.Equal(1, dies.ExitCode);
            Assert.Contains("its node exited; its node.log ends: error: --log-level 'bogus'", dies.Stderr);
        }
        finally
        {
            if (ProcessesMentioning(dir).Count > 0)
                TotoroProcess.Run("deploy", "down", "--state", state, "--timeout", "2");
        }
    }

    [Fact]
    public void Bad_hosts_files_missing_keys_and_missing_state_are_one_line_errors_with_exit_code_2()
    {
        string dir = Directory.CreateTempSubdirectory("totoro-deploy-args-").FullName;
        try
        {
            string hosts = Path.Combine(dir, "hosts.txt");
            File.WriteAllText(hosts, "# ok\n10.0.0.1:22 dir=a port=7000\n\n10.0.0.2:notaport\n");
            string key = Path.Combine(dir, "key");
            File.WriteAllText(key, "not a key");
            var bad = TotoroProcess.Run("deploy", "up", "--hosts", hosts, "--key", key);
            Assert.Equal(2, bad.ExitCode);
            Assert.Equal($"error: {hosts} line 4: SSH port 'notaport' must be a number from 1 to 65535", bad.Stderr.Trim());

            File.WriteAllText(hosts, "10.0.0.1\n");
            var missing = TotoroProcess.Run("deploy", "up", "--hosts", hosts, "--key", Path.Combine(dir, "nokey"));
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("does not exist: pass --key with a private key (create one with `ssh-keygen", missing.Stderr);

            var garbage = TotoroProcess.Run("deploy", "up", "--hosts", hosts, "--key", key);
            Assert.Equal(2, garbage.ExitCode);
            Assert.Contains($"key file '{key}' is not a private key", garbage.Stderr);

            var status = TotoroProcess.Run("deploy", "status", "--state", Path.Combine(dir, "none.json"));
            Assert.Equal(2, status.ExitCode);
            Assert.Contains("does not exist: run `totoro deploy up", status.Stderr);
            foreach (string stderr in new[] { bad.Stderr, missing.Stderr, garbage.Stderr, status.Stderr })
            {
                Assert.Single(stderr.Trim().Split('\n'));
                Assert.DoesNotContain("   at ", stderr);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int StartStubIgnoringSigterm(SshServer sshd, string remoteDir)
    {
        var host = new DeployHost { Line = 1, Name = "stub", Address = "127.0.0.1", SshPort = sshd.Port, RemoteDir = remoteDir };
        using SshCredentials credentials = SshCredentials.Load(Environment.UserName, sshd.UserKey);
        using HostSession session = HostSession.Open(host, credentials, TimeSpan.FromSeconds(10));
        string pid = session.RunChecked("nohup bash -c 'trap \"\" TERM; exec -a totoro-stub sleep 60' > /dev/null 2>&1 < /dev/null & echo $!", "starting the stub");
        return int.Parse(pid.Trim(), CultureInfo.InvariantCulture);
    }

    private static string WrongKey(string dir)
    {
        string path = Path.Combine(dir, "wrong_key");
        using var process = System.Diagnostics.Process.Start("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path]);
        process.WaitForExit();
        return path;
    }

    /// <summary>The dotnet host this test runs under, so the remote shell finds the same runtime.</summary>
    internal static string DotnetPath()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
            return host;
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(p => Path.Combine(p, "dotnet")).FirstOrDefault(File.Exists) ?? "dotnet";
    }

    private static bool IsTotoro(int pid)
    {
        string cmdline = $"/proc/{pid}/cmdline";
        return pid > 0 && File.Exists(cmdline) && File.ReadAllText(cmdline).Contains("totoro", StringComparison.Ordinal);
    }

    /// <summary>Live totoro processes working in the test's directory (zombies have an empty command line).</summary>
    private static List<string> ProcessesMentioning(string dir)
    {
        var found = new List<string>();
        foreach (string proc in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                string? cwd = new DirectoryInfo(Path.Combine(proc, "cwd")).LinkTarget;
                if (cmdline.Contains("totoro", StringComparison.Ordinal) && cwd is not null && cwd.StartsWith(dir, StringComparison.Ordinal))
                    found.Add($"{Path.GetFileName(proc)}: {cmdline}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // the process ended while we looked, or is not ours to read
            }
        }

        return found;
    }

    private static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
