using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Totoro.Net.Hosting;

namespace Totoro.Net.Tests;

/// <summary>A Prometheus scrape of a running host: the documented metrics, well-formed, with the host's own numbers.</summary>
public partial class MetricsTests
{
    private static readonly string[] Documented =
    [
        "totoro_overlay_nodes", "totoro_overlay_joined_nodes", "totoro_overlay_known_peers", "totoro_tree_memberships", "totoro_tree_roots",
        "totoro_apps_known", "totoro_messages_received_total", "totoro_messages_sent_total", "totoro_transport_datagrams_received_total",
        "totoro_transport_datagrams_sent_total", "totoro_transport_received_bytes_total", "totoro_transport_sent_bytes_total",
        "totoro_transport_dropped_total", "totoro_transport_authentication_failures_total", "totoro_handler_errors_total",
        "totoro_planning_moves_total", "totoro_planning_move_refusals_total", "totoro_disk_writes_dropped_total",
    ];

    [Fact]
    public async Task A_scrape_of_a_running_host_returns_the_documented_metrics_with_its_own_counts()
    {
        using var cluster = new HostCluster();
        NodeHost first = cluster.Add(3);
        cluster.Add(2);
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        var metrics = new HostMetrics(first);
        metrics.Attach();
        var listen = new IPEndPoint(IPAddress.Loopback, TestPorts.Tcp());
        using var server = new MetricsServer(listen, metrics.Registry);
        await Task.Delay(1500); // one sample on the event loop

        using var http = new HttpClient();
        string text = await http.GetStringAsync(new Uri($"http://{listen}/metrics"));
        Dictionary<string, double> samples = Parse(text);

        foreach (string name in Documented)
            Assert.True(samples.Keys.Any(k => k == name || k.StartsWith(name + "{", StringComparison.Ordinal)), $"{name} missing from:\n{text}");
        Assert.Equal(3, samples["totoro_overlay_nodes"]);
        Assert.Equal(3, samples["totoro_overlay_joined_nodes"]);
        Assert.True(samples["totoro_overlay_known_peers"] >= 5, "the host knows its own nodes and the other host's");
        Assert.Equal(0, samples["totoro_transport_authentication_failures_total"]);
        double sent = samples["totoro_transport_datagrams_sent_total"];
        Assert.True(sent > 0 && sent <= Interlocked.Read(ref first.Counters.DatagramsOut), $"sent {sent}");
        Assert.True(samples["totoro_transport_dropped_total{reason=\"undecodable\"}"] >= 0);

        // Counters only grow between scrapes (a restarted series would break rate()).
        await Task.Delay(1200);
        Dictionary<string, double> later = Parse(await http.GetStringAsync(new Uri($"http://{listen}/metrics")));
        foreach ((string key, double value) in samples.Where(s => s.Key.Contains("_total", StringComparison.Ordinal)))
            Assert.True(later[key] >= value, $"{key} fell from {value} to {later[key]}");
        Assert.True(later["totoro_transport_datagrams_sent_total"] > sent, "keep-alives keep the host sending");
    }

    /// <summary>
    /// The text format, checked line by line: every sample's metric has HELP and TYPE lines, names are
    /// [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in _total, and each value parses.
    /// </summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var types = new Dictionary<string, string>();
        var helps = new HashSet<string>();
        var samples = new Dictionary<string, double>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                helps.Add(line.Split(' ')[2]);
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }

            Match m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: {line}");
            string name = m.Groups["name"].Value;
            if (!name.StartsWith("totoro_", StringComparison.Ordinal))
                continue; // the library's own process metrics are not registered here, but stay lenient
            Assert.True(types.ContainsKey(name) && helps.Contains(name), $"{name} has no TYPE or HELP");
            if (types[name] == "counter")
                Assert.EndsWith("_total", name);
            samples[name + m.Groups["labels"].Value] = double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }

        return samples;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{[^}]*\})? (?<value>[-+0-9.eE]+|NaN|[+-]Inf)$")]
    private static partial Regex SampleLine();
}
