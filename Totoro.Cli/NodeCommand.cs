using System.CommandLine;
using System.Runtime.InteropServices;
using Totoro.Core.Learning;
using Totoro.Core.Overlay;
using Totoro.Net.Hosting;

namespace Totoro.Cli;

/// <summary>`totoro node`: run one real host (K logical nodes) on a UDP port until SIGTERM or Ctrl-C.</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen") { Description = "HOST:PORT this host listens on and peers reach it at (IPv4 address or name, e.g. localhost:7000; port 0: any free port)", Required = true };
        var bootstrap = new Option<string?>("--bootstrap") { Description = "HOST:PORT of any node of the overlay to join (leave out to found one)" };
        var logical = new Option<int>("--logical-nodes") { Description = "Logical nodes this host runs", DefaultValueFactory = _ => 1 };
        var zones = new Option<int>("--zones") { Description = "Edge zones of the deployment (1: one flat ring)", DefaultValueFactory = _ => 1 };
        var zone = new Option<int>("--zone") { Description = "This host's zone (0 to zones-1)", DefaultValueFactory = _ => 0 };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "The host's own directory: its nodes' ids (node-ids, drawn on first start and kept) and metrics.csv (messages, bytes, CPU, memory over time)" };
        var logLevel = new Option<string>("--log-level") { Description = "error, warn, info or debug", DefaultValueFactory = _ => "info" };
        var b = new Option<int>("--b") { Description = "Bits per id digit", DefaultValueFactory = _ => 4 };
        var leafSet = new Option<int>("--leaf-set") { Description = "Leaf-set size L (even)", DefaultValueFactory = _ => 24 };
        var pingMs = new Option<int>("--ping-period-ms") { Description = "Leaf-set keep-alive period (the lease is 1.5 times it)", DefaultValueFactory = _ => 20_000 };
        var impairLoss = new Option<double>("--impair-loss") { Description = "Testing aid: drop this fraction of received packets (where tc netem is missing)", DefaultValueFactory = _ => 0 };
        var impairDelay = new Option<int>("--impair-delay-ms") { Description = "Testing aid: hold every received packet this many milliseconds before handling it (where tc netem is missing)", DefaultValueFactory = _ => 0 };
        var joinTimeout = new Option<int>("--join-timeout") { Description = "Seconds to wait for the --bootstrap node to let this host join before giving up (exit 1)", DefaultValueFactory = _ => 30 };
        var shardDir = new Option<DirectoryInfo?>("--shard-dir") { Description = "The host's own training data: a folder with IDX files named like Fashion-MNIST's training split (train-images-idx3-ubyte, train-labels-idx1-ubyte, or .gz), split among its logical nodes" };
        var modelAssemblies = new Option<FileInfo[]>("--model-assembly") { Description = "A .NET assembly of your own models (an IModelFactory) this host can train; repeat for several. Apps name the model; a node never loads a path an app names", AllowMultipleArgumentsPerToken = false };
        var metricsListen = new Option<string?>("--metrics-listen") { Description = "HOST:PORT to serve Prometheus metrics at http://HOST:PORT/metrics (docs/metrics.md); off unless given" };
        var dashboardListen = new Option<string?>("--dashboard-listen") { Description = "HOST:PORT to serve the live page at http://HOST:PORT/ (overlay, trees, training curves; add ?hosts=URL,URL to merge other hosts' pages); off unless given" };
        var metricsMs = new Option<int>("--metrics-interval-ms") { Description = "How often a metrics row is written", DefaultValueFactory = _ => 1000 };
        var planner = new Option<string>("--planner") { Description = "How this host's nodes route their trees' flows: static (Pastry's routes), bandit (EuroSys, per flow) or game (Totoro+)", DefaultValueFactory = _ => "static" };
        var epsilon = new Option<double>("--epsilon") { Description = "The ε of the ε-Nash equilibrium (bandit, game): a flow moves when it believes it gains more than 0.9 ε, a tenth kept for its estimates' error", DefaultValueFactory = _ => 0.05 };
        var planPeriod = new Option<int>("--plan-period-ms") { Description = "A flow reconsiders its route or parent at most once per this period (jittered)", DefaultValueFactory = _ => Core.Planning.PlanningOptions.DefaultDecisionPeriodMs };
        var cert = new Option<FileInfo?>("--cert") { Description = "This host's certificate (default: node.cert in --data-dir, if there); with it every datagram between hosts is authenticated" };
        var key = new Option<FileInfo?>("--key") { Description = "This host's private key (default: node.key beside the certificate)" };
        var ca = new Option<FileInfo?>("--ca") { Description = "The deployment authority's public key (default: ca.pub beside the certificate)" };
        var crl = new Option<FileInfo?>("--crl") { Description = "The authority's revocation list (default: crl beside the certificate, if there)" };
        var insecure = new Option<bool>("--insecure") { Description = "Run without a certificate on a non-loopback address: anyone who reaches the port can join (never on a shared network)" };
        var controlOpen = new Option<bool>("--control-open") { Description = "Accept unsigned control requests from any address, not only loopback (test networks only)" };
        var command = new Command("node", "Run a real host: K logical nodes on one UDP port, joining (or founding) an overlay; stops gracefully on SIGTERM or Ctrl-C")
        {
            listen, bootstrap, logical, zones, zone, dataDir, shardDir, logLevel, b, leafSet, pingMs, metricsMs, impairLoss, impairDelay, joinTimeout, modelAssemblies, metricsListen, dashboardListen, planner, epsilon, planPeriod,
            cert, key, ca, crl, insecure, controlOpen,
        };
        command.SetAction(parsed =>
        {
            if (!HostLog.TryParse(parsed.GetValue(logLevel)!, out LogLevel level))
                throw new UsageException($"--log-level '{parsed.GetValue(logLevel)}' is not one of error, warn, info, debug");
            int ping = parsed.GetValue(pingMs);
            if (ping < 100)
                throw new UsageException($"--ping-period-ms must be at least 100 (got {ping})");
            if (parsed.GetValue(joinTimeout) < 1)
                throw new UsageException($"--join-timeout must be at least 1 second (got {parsed.GetValue(joinTimeout)})");
            int metrics = parsed.GetValue(metricsMs);
            if (metrics < 100)
                throw new UsageException($"--metrics-interval-ms must be at least 100 (got {metrics})");
            foreach (FileInfo assembly in parsed.GetValue(modelAssemblies) ?? [])
                AppSpecOptions.LoadModelAssembly(assembly.FullName);
            string? bootstrapText = parsed.GetValue(bootstrap);
            Totoro.Net.Security.Credentials? credentials = SecurityOptions.Load(parsed.GetValue(cert), parsed.GetValue(key), parsed.GetValue(ca), parsed.GetValue(crl), parsed.GetValue(dataDir));
            var options = new HostOptions
            {
                Credentials = credentials,
                ControlFromAnywhere = parsed.GetValue(controlOpen),
                Listen = EndpointArgument.Parse("--listen", parsed.GetValue(listen), allowPortZero: true),
                Bootstrap = bootstrapText is null ? null : EndpointArgument.Parse("--bootstrap", bootstrapText),
                LogicalNodes = parsed.GetValue(logical),
                Zones = parsed.GetValue(zones),
                Zone = parsed.GetValue(zone),
                DataDir = parsed.GetValue(dataDir)?.FullName,
                OwnData = parsed.GetValue(shardDir) is { } shards ? LoadShard(shards) : null,
                MetricsIntervalMicros = metrics * 1000L,
                ImpairLoss = parsed.GetValue(impairLoss),
                ImpairDelayMs = parsed.GetValue(impairDelay),
                Planning = new Core.Planning.PlanningOptions { Planner = parsed.GetValue(planner)!, Epsilon = parsed.GetValue(epsilon), DecisionPeriodMicros = parsed.GetValue(planPeriod) * 1000L },
                Pastry = new PastryOptions { B = parsed.GetValue(b), LeafSetSize = parsed.GetValue(leafSet) }.ForRealMode(ping * 1000L), // real nodes fail: hop acks, lookup timeouts, probed joins
            };
            IReadOnlyList<string> problems = options.Validate();
            if (problems.Count > 0)
                throw new UsageException(problems[0]);
            if (credentials is null && !System.Net.IPAddress.IsLoopback(options.Listen.Address) && !parsed.GetValue(insecure))
                throw new UsageException($"--listen {options.Listen.Address} is reachable from other machines, and this host has no certificate: give it one (`totoro ca issue ... --out DATA_DIR`, then --data-dir DATA_DIR) or pass --insecure");

            using var host = new NodeHost(options, new HostLog(level));
            host.Start();
            var prometheus = new HostMetrics(host);
            prometheus.Attach();
            using MetricsServer? scrape = parsed.GetValue(metricsListen) is { } text ? new MetricsServer(EndpointArgument.Parse("--metrics-listen", text), prometheus.Registry) : null;
            var view = new DashboardState(host);
            view.Attach();
            using DashboardServer? page = parsed.GetValue(dashboardListen) is { } pageText ? new DashboardServer(EndpointArgument.Parse("--dashboard-listen", pageText), view) : null;
            Console.Out.WriteLine($"listening {host.Endpoint}");
            if (page is not null)
                Console.Out.WriteLine($"dashboard http://{page.Endpoint}/");
            if (scrape is not null)
                Console.Out.WriteLine($"metrics http://{scrape.Endpoint}/metrics");
            Console.Out.Flush();
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true; // leave gracefully instead of dying
                host.RequestStop();
            }

            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            int joinSeconds = parsed.GetValue(joinTimeout);
            if (options.Bootstrap is { } through && !host.WaitForFirstJoin(TimeSpan.FromSeconds(joinSeconds)))
            {
                host.RequestStop();
                host.WaitForExit(TimeSpan.FromSeconds(5));
                Console.Error.WriteLine($"error: no node of an overlay answered at {through} within {joinSeconds} s: is `totoro node` running there, and is its UDP port reachable?");
                return ExitCodes.Failed;
            }

            host.WaitForExit(Timeout.InfiniteTimeSpan);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A host's shard folder, loaded; any problem with it is a one-line usage error.</summary>
    private static Dataset LoadShard(DirectoryInfo folder)
    {
        if (!folder.Exists)
            throw new UsageException($"--shard-dir: folder {folder.FullName} does not exist");
        try
        {
            Dataset data = IdxReader.LoadFashionMnist(folder.FullName, train: true);
            return data.Count > 0 ? data : throw new UsageException($"--shard-dir: {folder.FullName} holds no samples");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UsageException($"--shard-dir: {e.Message}");
        }
    }

}
