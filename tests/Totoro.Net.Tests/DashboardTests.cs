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

    [Fact]
    public async Task The_page_shows_the_overlay_the_apps_whole_tree_and_its_curve_merged_from_three_hosts()
    {
        if (!File.Exists(Chromium))
        {
            output.WriteLine($"skipped: {Chromium} is missing (apt-get install chromium)");
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must have chromium installed (.ci/run)");
            return;
        }

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
                servers.Add(new DashboardServer(new IPEndPoint(IPAddress.Loopback, HostCluster.FreeTcpPort()), state));
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

            // The oracle: every node of every host that holds the app's tree, asked directly.
            NodeId app = HostCluster.Parse(status!.AppId);
            int members = 0;
            foreach (NodeHost host in cluster.Hosts)
            {
                for (int i = 0; i < host.NodeCount; i++)
                    members += host.Node(i).TryGetTree(app, out TreeInfo _) ? 1 : 0;
            }

            string others = string.Join(",", servers.Skip(1).Select(s => $"http://{s.Endpoint}"));
            string url = $"http://{servers[0].Endpoint}/?hosts={others}";
            string dom = RunChromium("--dump-dom", url);
            Match panel = AppPanel().Match(dom);
            Assert.True(panel.Success, "no app panel in the page:\n" + dom[..Math.Min(dom.Length, 3000)]);
            int edges = int.Parse(panel.Groups["edges"].Value, System.Globalization.CultureInfo.InvariantCulture);
            int points = int.Parse(panel.Groups["points"].Value, System.Globalization.CultureInfo.InvariantCulture);
            int ringNodes = Regex.Matches(dom, "data-node=").Count;
            int treeNodes = Regex.Matches(dom, "class=\"tree-node\"").Count;
            output.WriteLine($"page: {ringNodes} nodes on the ring, tree of {treeNodes} nodes and {edges} edges (oracle {members} members), {points} curve points");
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
