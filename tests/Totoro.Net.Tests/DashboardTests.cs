using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Hosting;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

/// <summary>The live page in a real headless Chromium, against three running hosts training an app.</summary>
public partial class DashboardTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [SkippableFact]
    public async Task The_page_shows_the_overlay_the_apps_whole_tree_and_its_curve_merged_from_three_hosts()
    {
        Needs.Component(File.Exists(Chromium) ? null : $"{Chromium} is missing (apt-get install chromium)");

        using var cluster = new HostCluster();
        for (int h = 0; h < 3; h++)
            cluster.Add(3);
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        var servers = new List<DashboardServer>();
        try
        {
            foreach (NodeHost host in cluster.Hosts)
            {
                var state = new DashboardState(host);
                state.Attach();
                servers.Add(new DashboardServer(new IPEndPoint(IPAddress.Loopback, TestPorts.Tcp()), state));
            }

            var spec = new AppSpec { Name = "live", Model = "logreg", Dataset = "synthetic", Workers = 6, Rounds = 3, ClientsPerRound = 0, RoundDeadlineMs = 20_000 };
            using var client = new ControlClient(IPAddress.Loopback);
            ControlResponse? submitted = client.Ask(cluster.Hosts[1].Endpoint, new ControlRequest(0, "submit") { Spec = spec, Seed = 3, MinWorkers = 6, StartAfterSeconds = 20 }, TimeSpan.FromSeconds(30));
            Assert.True(submitted?.Ok == true, submitted?.Error ?? "no answer to submit");
            DateTime deadline = DateTime.UtcNow.AddSeconds(60);
            AppStatus? status = null;
            while (DateTime.UtcNow < deadline && status?.Finished != true)
            {
                await Task.Delay(500);
                status = client.Ask(cluster.Hosts[0].Endpoint, new ControlRequest(0, "status") { Name = "live" }, TimeSpan.FromSeconds(5))?.Status;
            }

            Assert.True(status?.Finished == true, "the app did not finish");
            await Task.Delay(1500); // one more sample on every loop

            // The oracle: every node of every host that holds the app's tree, asked directly. The page draws each host's
            // last sample (taken every second), so a tree still settling after the last round may differ for a moment:
            // read both again until they agree, a few times at most.
            NodeId app = HostCluster.Parse(status!.AppId);
            string others = string.Join(",", servers.Skip(1).Select(s => $"http://{s.Endpoint}"));
            string url = $"http://{servers[0].Endpoint}/?hosts={others}";
            int members = 0, edges = 0, points = 0, ringNodes = 0, treeNodes = 0;
            string dom = "";
            for (int attempt = 0; attempt < 4; attempt++)
            {
                if (attempt > 0)
                    await Task.Delay(2000);
                members = 0;
                foreach (NodeHost host in cluster.Hosts)
                {
                    for (int i = 0; i < host.NodeCount; i++)
                        members += host.Node(i).TryGetTree(app, out TreeInfo _) ? 1 : 0;
                }

                dom = RunChromium("--dump-dom", url);
                Match panel = AppPanel().Match(dom);
                Assert.True(panel.Success, "no app panel in the page:\n" + dom[..Math.Min(dom.Length, 3000)]);
                edges = int.Parse(panel.Groups["edges"].Value, System.Globalization.CultureInfo.InvariantCulture);
                points = int.Parse(panel.Groups["points"].Value, System.Globalization.CultureInfo.InvariantCulture);
                ringNodes = Regex.Matches(dom, "data-node=").Count;
                treeNodes = Regex.Matches(dom, "class=\"tree-node\"").Count;
                output.WriteLine($"page: {ringNodes} nodes on the ring, tree of {treeNodes} nodes and {edges} edges (oracle {members} members), {points} curve points");
                if (treeNodes == members)
                    break;
            }

            Assert.Equal(9, ringNodes);
            Assert.Equal(members, treeNodes);
            Assert.Equal(members - 1, edges); // a tree: every member but the root has one parent
            Assert.Equal(3, points);
            Assert.Contains("3/3 hosts answering", dom);

            string png = Path.Combine(Path.GetTempPath(), $"totoro-dashboard-{Environment.ProcessId}.png");
            RunChromium($"--screenshot={png}", url);
            Assert.True(new FileInfo(png).Length > 10_000, "the screenshot is empty");
            if (Environment.GetEnvironmentVariable("TOTORO_SCREENSHOT") is { Length: > 0 } keep)
                File.Copy(png, keep, overwrite: true);
            File.Delete(png);
        }
        finally
        {
            foreach (DashboardServer server in servers)
                server.Dispose();
        }
    }

    private static string RunChromium(string action, string url)
    {
        var start = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,760", "--virtual-time-budget=4000", action, url })
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "chromium did not finish");
        Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {stderr.Result}");
        return stdout;
    }

    [GeneratedRegex("class=\"panel app\" data-app=\"live\" data-edges=\"(?<edges>\\d+)\" data-points=\"(?<points>\\d+)\"")]
    private static partial Regex AppPanel();
}
