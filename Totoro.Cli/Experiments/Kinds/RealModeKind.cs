using System.Diagnostics;
using System.Globalization;
using System.Net;
using ScottPlot;
using Totoro.Core.Learning;
using Totoro.Net.Control;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: real-mode` (paper Fig. 13): H `totoro node` processes × K logical nodes on loopback. After the overlay
/// settles, each host's CPU time and resident set are read from the kernel over a window, with the overlay alone
/// (phase overlay) or while an FL app trains on every node (phase training); per node is per host over K.
/// </summary>
internal sealed partial class RealModeKind : ExperimentKind<RealModeKind.Parameters, RealModeKind.Row>
{
    // Points measure CPU of real processes: two clusters at once would load each other, so they take turns.
    private static readonly Lock OneClusterAtATime = new();

    public override string Name => "real-mode";

    public override string Description => "CPU and memory per logical node of real hosts, overlay alone and while training";

    protected override IReadOnlyList<string> Validate(Parameters parameters)
    {
        var problems = new List<string>();
        if (parameters.Hosts < 1)
            problems.Add($"'hosts' must be at least 1 (got {parameters.Hosts})");
        if (parameters.NodesPerHost < 1)
            problems.Add($"'nodesPerHost' must be at least 1 (got {parameters.NodesPerHost})");
        if (parameters.Phase is not ("overlay" or "training"))
            problems.Add($"'phase' must be overlay or training (got '{parameters.Phase}')");
        if (parameters.SettleSeconds < 0)
            problems.Add($"'settleSeconds' must not be negative (got {parameters.SettleSeconds})");
        if (parameters.WindowSeconds <= 0)
            problems.Add($"'windowSeconds' must be positive (got {parameters.WindowSeconds})");
        if (parameters.PingPeriodMs < 100)
            problems.Add($"'pingPeriodMs' must be at least 100 (got {parameters.PingPeriodMs})");
        problems.AddRange(parameters.ToSpec().Validate().Select(p => p + " (in this file: 'model', 'dataset', 'rounds', 'clientsPerRound')"));
        return problems;
    }

    protected override double Cost(Parameters parameters) => parameters.Hosts * parameters.NodesPerHost;

    protected override PointResult Run(Parameters parameters, ulong seed, Action<SimProgress>? progress)
    {
        lock (OneClusterAtATime)
            return new PointResult(Measure(parameters, seed));
    }

    private static Row Measure(Parameters p, ulong seed)
    {
        string[] timers = ["--ping-period-ms", p.PingPeriodMs.ToString(CultureInfo.InvariantCulture)];
        var startTimeout = TimeSpan.FromSeconds(30);
        using var hosts = new HostProcesses();
        using var client = new ControlClient(IPAddress.Loopback);
        IPEndPoint first = hosts.Start(p.NodesPerHost, null, timers, startTimeout);
        for (int h = 1; h < p.Hosts; h++)
            hosts.Start(p.NodesPerHost, first, timers, startTimeout);
        hosts.WaitUntilJoined(client, TimeSpan.FromSeconds(30 + (5 * p.Hosts)));
        Thread.Sleep(TimeSpan.FromSeconds(p.SettleSeconds)); // leaf-set keep-alives settle the overlay

        AppSpec? spec = null;
        int roundBefore = 0;
        if (p.Phase == "training")
        {
            spec = p.ToSpec();
            ControlResponse submitted = client.Ask(first, new ControlRequest(0, "submit") { Spec = spec, Seed = seed }, TimeSpan.FromSeconds(5))
                ?? throw new InvalidOperationException($"no answer to submit from {first}:\n{hosts.Logs()}");
            if (submitted.Error is not null)
                throw new InvalidOperationException($"submit refused: {submitted.Error}");
            roundBefore = WaitForRound(client, hosts, spec.Name, 1, TimeSpan.FromSeconds(60)).Round;
        }

        Window window = MeasureWindow(hosts, client, TimeSpan.FromSeconds(p.WindowSeconds));
        int rounds = 0;
        if (spec is not null)
        {
            AppStatus after = Status(client, hosts, spec.Name) ?? throw new InvalidOperationException($"no status for {spec.Name} after the window:\n{hosts.Logs()}");
            rounds = after.Round - roundBefore;
        }

        int n = p.NodesPerHost;
        long totalRam = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        double rssPerHost = window.RssBytes.Average();
        return new Row(
            seed,
            p.Hosts,
            n,
            p.Phase,
            Math.Round(window.CpuPercent.Average() / n, 3),
            Math.Round(rssPerHost / n / (1 << 20), 2),
            Math.Round(100 * rssPerHost / n / totalRam, 3),
            Math.Round(window.MessagesOut.Average() / n / window.Seconds, 2),
            Math.Round(window.CpuPercent.Average(), 3),
            Math.Round(window.CpuPercent.Max(), 3),
            Math.Round(rssPerHost / (1 << 20), 2),
            Math.Round(totalRam / (double)(1 << 30), 2),
            Math.Round(window.Seconds, 2),
            rounds);
    }

    /// <summary>Per host over the window: CPU % of one core, mean resident set, messages sent.</summary>
    private sealed record Window(double Seconds, double[] CpuPercent, double[] RssBytes, double[] MessagesOut);

    private static Window MeasureWindow(HostProcesses hosts, ControlClient client, TimeSpan length)
    {
        IReadOnlyList<Process> processes = hosts.Processes;
        long[] sentBefore = hosts.Endpoints.Select(e => Info(client, e, hosts).MessagesOut).ToArray();
        TimeSpan[] cpuBefore = processes.Select(Cpu).ToArray();
        var clock = Stopwatch.StartNew();
        var rss = new double[processes.Count];
        int samples = 0;
        while (clock.Elapsed < length)
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(500, Math.Max(1, (length - clock.Elapsed).TotalMilliseconds))));
            for (int i = 0; i < processes.Count; i++)
            {
                processes[i].Refresh();
                rss[i] += processes[i].WorkingSet64;
            }

            samples++;
        }

        double seconds = clock.Elapsed.TotalSeconds;
        double[] cpu = processes.Select((proc, i) => 100 * (Cpu(proc) - cpuBefore[i]).TotalSeconds / seconds).ToArray();
        double[] sent = hosts.Endpoints.Select((e, i) => (double)(Info(client, e, hosts).MessagesOut - sentBefore[i])).ToArray();
        return new Window(seconds, cpu, rss.Select(r => r / samples).ToArray(), sent);
    }

    private static TimeSpan Cpu(Process process)
    {
        process.Refresh();
        if (process.HasExited)
            throw new InvalidOperationException($"host process {process.Id} exited during the measurement (code {process.ExitCode})");
        return process.TotalProcessorTime;
    }

    private static HostInfo Info(ControlClient client, IPEndPoint host, HostProcesses hosts)
        => client.Ask(host, new ControlRequest(0, "info"), TimeSpan.FromSeconds(3))?.Info
           ?? throw new InvalidOperationException($"host {host} did not answer info:\n{hosts.Logs()}");

    private static AppStatus? Status(ControlClient client, HostProcesses hosts, string name)
        => client.Ask(hosts.Endpoints[0], new ControlRequest(0, "status") { Name = name }, TimeSpan.FromSeconds(5))?.Status;

    private static AppStatus WaitForRound(ControlClient client, HostProcesses hosts, string name, int round, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan? erringSince = null;
        while (true)
        {
            AppStatus? status = Status(client, hosts, name);
            // A root still loading the app's data says so as an error; only one that lasts is a failure.
            erringSince = status?.Error is null ? null : erringSince ?? clock.Elapsed;
            if (status?.Error is { } error && clock.Elapsed - erringSince > TimeSpan.FromSeconds(30))
                throw new InvalidOperationException($"app {name} failed: {error}");
            if (status is { Started: true } && (status.Round >= round || status.Finished))
                return status;
            if (clock.Elapsed > timeout)
                throw new InvalidOperationException($"app {name} did not reach round {round} within {timeout.TotalSeconds:0} s (last status: {status}):\n{hosts.Logs()}");
            Thread.Sleep(250);
        }
    }

    protected override IReadOnlyList<string> WriteExtras(IReadOnlyList<PointResult> results, string directory)
    {
        Row[] rows = results.Select(r => (Row)r.Row).ToArray();
        return
        [
            Bars(rows, directory, "cpu.png", "CPU per logical node (% of one core)", r => r.CpuPercentPerNode, 0.2, "paper: DHT work up to about 0.2 %",
                (g, mean) => $"{mean:0.###} % ({g.Average(r => r.MessagesPerSecondPerNode):0.#} msg/s sent)"),
            Bars(rows, directory, "memory.png", "Memory per logical node (% of machine RAM)", r => r.MemoryPercentPerNode, 0.5, "paper: about 0.5 %",
                (g, mean) => $"{mean:0.###} % ({g.Average(r => r.RssMiBPerNode):0.#} MiB of {g[0].MachineRamGiB:0.#} GiB)"),
        ];
    }

    /// <summary>One bar per (nodes per host, phase), seeds averaged, beside the paper's figure as a dashed line.</summary>
    private static string Bars(Row[] rows, string directory, string file, string label, Func<Row, double> value, double paper, string paperLabel, Func<Row[], double, string> detail)
    {
        var groups = rows.GroupBy(r => (r.Hosts, r.NodesPerHost, r.Phase)).OrderBy(g => g.Key.Hosts).ThenBy(g => g.Key.NodesPerHost).ThenBy(g => g.Key.Phase, StringComparer.Ordinal).ToList();
        var plot = new Plot();
        var positions = new double[groups.Count];
        var labels = new string[groups.Count];
        for (int i = 0; i < groups.Count; i++)
        {
            positions[i] = i;
            labels[i] = $"{groups[i].Key.Hosts}×{groups[i].Key.NodesPerHost}, {groups[i].Key.Phase}";
            double mean = groups[i].Average(value);
            var bar = plot.Add.Bar(i, mean);
            bar.Color = groups[i].Key.Phase == "overlay" ? Colors.SteelBlue : Colors.DarkOrange;
            bar.Bars[0].Label = detail(groups[i].ToArray(), mean);
        }

        var line = plot.Add.HorizontalLine(paper);
        line.LinePattern = LinePattern.Dashed;
        line.LegendText = paperLabel;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels);
        plot.Axes.Margins(bottom: 0);
        plot.Title($"Fig. 13: {label}, real hosts on loopback");
        plot.XLabel("hosts × logical nodes per host, phase");
        plot.YLabel(label);
        plot.ShowLegend(Alignment.UpperLeft);
        string png = Path.Combine(directory, file);
        plot.SavePng(png, 900, 560);
        return png;
    }

    internal sealed class Parameters
    {
        /// <summary>`totoro node` processes.</summary>
        public int Hosts { get; set; } = 3;

        /// <summary>Logical nodes in each process.</summary>
        public int NodesPerHost { get; set; } = 4;

        /// <summary>overlay: the overlay alone; training: while an app trains on every node.</summary>
        public string Phase { get; set; } = "overlay";

        public double SettleSeconds { get; set; } = 5;

        public double WindowSeconds { get; set; } = 20;

        /// <summary>Leaf-set keep-alive period (`totoro node --ping-period-ms`).</summary>
        public int PingPeriodMs { get; set; } = 2000;

        public string Model { get; set; } = "logreg";

        public string Dataset { get; set; } = "synthetic";

        /// <summary>Enough rounds that training outlasts the window.</summary>
        public int Rounds { get; set; } = 100_000;

        public int ClientsPerRound { get; set; } = 10;

        public AppSpec ToSpec() => new()
        {
            Name = "fig13-app",
            Model = Model,
            Dataset = Dataset,
            Workers = Hosts * NodesPerHost,
            Rounds = Rounds,
            ClientsPerRound = ClientsPerRound,
        };
    }

    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Hosts,
        int NodesPerHost,
        string Phase,
        double CpuPercentPerNode,
        double RssMiBPerNode,
        double MemoryPercentPerNode,
        double MessagesPerSecondPerNode,
        double CpuPercentPerHost,
        double MaxCpuPercentPerHost,
        double RssMiBPerHost,
        double MachineRamGiB,
        double WindowSeconds,
        int RoundsInWindow);
}
