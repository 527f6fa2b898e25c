using System.CommandLine;
using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>The options `totoro sim` and `totoro sweep` share, and how they become a scenario config.</summary>
internal sealed class SimOptions
{
    public Option<int> B { get; } = new("--b") { Description = "Bits per id digit (routing-table base 2^b; tree fanout)", DefaultValueFactory = _ => 4 };

    public Option<int> LeafSet { get; } = new("--leaf-set") { Description = "Leaf-set size L (even)", DefaultValueFactory = _ => 24 };

    public Option<int> Lookups { get; } = new("--lookups") { Description = "Lookups to route after the overlay settles", DefaultValueFactory = _ => 1000 };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Random seed; the same seed gives the same result", DefaultValueFactory = _ => 1UL };

    public Option<string> Topology { get; } = new("--topology") { Description = "Where nodes sit: flat, eua (Australian edge sites) or regions (cloud continents)", DefaultValueFactory = _ => "flat" };

    public Option<int> Zones { get; } = new("--zones") { Description = "Edge zones (rings) nodes bin themselves into by landmark RTT; 1 is one flat ring", DefaultValueFactory = _ => 1 };

    public Option<double?> ZoneLocalFraction { get; } = new("--zone-local-fraction") { Description = "Fraction of lookups keyed inside the origin's zone and routed zone-local (default 0.5 with zones)" };

    public Option<double?> UplinkMbps { get; } = new("--uplink-mbps") { Description = "Every node's uplink in Mbit/s (default: drawn from 50-200)" };

    public Option<double?> DownlinkMbps { get; } = new("--downlink-mbps") { Description = "Every node's downlink in Mbit/s (default: drawn from 100-400)" };

    public Option<double> SlowFraction { get; } = new("--slow-fraction") { Description = "Fraction of nodes whose links are --slow-factor times slower (a world where paths matter)", DefaultValueFactory = _ => 0 };

    public Option<double> SlowFactor { get; } = new("--slow-factor") { Description = "How many times slower a slow node's uplink and downlink are", DefaultValueFactory = _ => 10 };

    public Option<double> LossyFraction { get; } = new("--lossy-fraction") { Description = "Fraction of nodes whose links lose --lossy-rate of their packets (retransmitted: loss costs time)", DefaultValueFactory = _ => 0 };

    public Option<double> LossyRate { get; } = new("--lossy-rate") { Description = "Packet loss on a lossy node's links", DefaultValueFactory = _ => 0.3 };

    public Option<double> BadPathFraction { get; } = new("--bad-path-fraction") { Description = "Fraction of node pairs whose path loses --bad-path-rate of its packets (a relay can go around it)", DefaultValueFactory = _ => 0 };

    public Option<double> BadPathRate { get; } = new("--bad-path-rate") { Description = "Packet loss on a bad path", DefaultValueFactory = _ => 0.5 };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object on stdout instead of a readable summary" };

    public Option<bool> Progress { get; } = new("--progress") { Description = "Show progress on stderr even with --json (a long run's log)" };

    public Option<DirectoryInfo?> Out { get; } = new("--out") { Description = "Directory to write results into" };

    public Option<int> Apps { get; } = new("--apps") { Description = "FL apps on the forest (0: overlay only)", DefaultValueFactory = _ => 0 };

    public Option<int> SubscribersPerApp { get; } = new("--subscribers-per-app") { Description = "Subscribers (workers) per app", DefaultValueFactory = _ => 100 };

    public Option<int> ModelBytes { get; } = new("--model-bytes") { Description = "Model size in bytes", DefaultValueFactory = _ => 160 * 1024 };

    // No default value: the bound follows --b, so help must not show a number the option itself refuses.
    public Option<int?> Fanout { get; } = new("--fanout") { Description = "Tree fanout bound, 1 to 255 (default: 2^b, 16 with --b 4)" };

    public Option<string> TreePolicy { get; } = new("--tree-policy") { Description = "How full tree nodes place joiners: shallowest (keep the tree shallow) or prefix (Scribe: to the child with the longest shared id prefix)", DefaultValueFactory = _ => "shallowest" };

    public Option<int> RoundDeadlineMs { get; } = new("--round-deadline-ms") { Description = "Close each round this long after the broadcast; stragglers are left out (0: wait for all)", DefaultValueFactory = _ => 0 };









    public Option<bool> ConfineApps { get; } = new("--confine-apps") { Description = "Confine each app to its creator's zone (zone-prefixed app id, subscribers and tree inside the zone)" };

    public Option<bool> RealVectors { get; } = new("--real-vectors") { Description = "Carry real float vectors and check the root's average against a flat one" };

    public Option<bool> Secure { get; } = new("--secure") { Description = "Run as a certified overlay: charge every datagram the security envelope real mode adds (a sealed frame's header and tag), every broadcast the root's seal (certificate and signature; the signature modelled valid), and heed failure notices from leaf-set members only" };

    public Option<bool> CodecCheck { get; } = new("--codec-check") { Description = "Send every message through the wire codec and deliver the decoded copy; fails on a message the codec cannot carry" };

    public void AddTo(Command command)
    {
        command.Options.Add(B);
        command.Options.Add(LeafSet);
        command.Options.Add(Lookups);
        command.Options.Add(Seed);
        command.Options.Add(Topology);
        command.Options.Add(Zones);
        command.Options.Add(ZoneLocalFraction);
        command.Options.Add(UplinkMbps);
        command.Options.Add(DownlinkMbps);
        foreach (Option option in new Option[] { SlowFraction, SlowFactor, LossyFraction, LossyRate, BadPathFraction, BadPathRate })
            command.Options.Add(option);
        command.Options.Add(Json);
        command.Options.Add(Progress);
        command.Options.Add(Out);
        command.Options.Add(Apps);
        command.Options.Add(SubscribersPerApp);
        command.Options.Add(ModelBytes);
        command.Options.Add(Fanout);
        command.Options.Add(TreePolicy);
        command.Options.Add(RealVectors);
        command.Options.Add(ConfineApps);
        command.Options.Add(RoundDeadlineMs);
        command.Options.Add(CodecCheck);
        command.Options.Add(Secure);
    }

    private NetworkOptions Network(ParseResult parsed)
    {
        bool secure = parsed.GetValue(Secure);
        var network = new NetworkOptions
        {
            EnvelopeBytes = secure ? Totoro.Net.Security.Session.Overhead : 0,
            BroadcastSealBytes = secure ? Totoro.Net.Security.RootSeal.TypicalBytes : 0,
        };
        if (parsed.GetValue(UplinkMbps) is { } up)
        {
            if (!(up > 0) || double.IsInfinity(up))
                throw new UsageException($"--uplink-mbps must be a positive number (got {up})");
            network = network with { UplinkMbps = (up, up) };
        }

        if (parsed.GetValue(DownlinkMbps) is { } down)
        {
            if (!(down > 0) || double.IsInfinity(down))
                throw new UsageException($"--downlink-mbps must be a positive number (got {down})");
            network = network with { DownlinkMbps = (down, down) };
        }

        network = network with
        {
            SlowFraction = parsed.GetValue(SlowFraction),
            SlowFactor = parsed.GetValue(SlowFactor),
            LossyFraction = parsed.GetValue(LossyFraction),
            LossyRate = parsed.GetValue(LossyRate),
            BadPathFraction = parsed.GetValue(BadPathFraction),
            BadPathRate = parsed.GetValue(BadPathRate),
        };
        if (network.Validate() is [var problem, ..])
            throw new UsageException(problem.Replace("the slow, lossy and bad-path fractions", "--slow-fraction, --lossy-fraction and --bad-path-fraction", StringComparison.Ordinal));
        return network;
    }

    /// <summary>The forest part of a run, or null when no apps were asked for.</summary>
    /// <param name="apps">Overrides --apps (a training run has exactly one app).</param>
    public ForestSimConfig? ToForestConfig(ParseResult parsed, int nodes, int? apps = null)
    {
        var forest = new ForestSimConfig
        {
            Apps = apps ?? parsed.GetValue(Apps),
            SubscribersPerApp = parsed.GetValue(SubscribersPerApp),
            ModelBytes = parsed.GetValue(ModelBytes),
            Fanout = parsed.GetValue(Fanout) ?? 0, // 0: 2^b
            RealVectors = parsed.GetValue(RealVectors),
            ConfineToZone = parsed.GetValue(ConfineApps),
            RoundDeadlineMs = parsed.GetValue(RoundDeadlineMs),
            TreePolicy = TreeHooks.Policy(parsed.GetValue(TreePolicy)!)
                ?? throw new UsageException($"--tree-policy must be shallowest or prefix (got '{parsed.GetValue(TreePolicy)}')"),
        };
        if (parsed.GetValue(Fanout) is { } fanout && fanout is < 1 or > 255)
            throw new UsageException($"--fanout must be from 1 to 255 (got {fanout}); leave it out for 2^b");
        if (forest.Apps == 0)
            return null;
        ThrowIfInvalid(forest.Validate(nodes));
        return forest;
    }

    /// <summary>Builds the config for one run, or throws <see cref="UsageException"/> naming the bad option.</summary>
    public OverlaySimConfig ToConfig(ParseResult parsed, int nodes)
    {
        int b = parsed.GetValue(B);
        int leafSet = parsed.GetValue(LeafSet);
        int lookups = parsed.GetValue(Lookups);
        if (nodes < 1)
            throw new UsageException($"--nodes must be a positive count (got {nodes})");
        if (b is < 1 or > 8)
            throw new UsageException($"--b must be between 1 and 8 (got {b})");
        if (leafSet < 2 || leafSet % 2 != 0 || leafSet > 256)
            throw new UsageException($"--leaf-set must be an even number from 2 to 256 (got {leafSet})");
        if (lookups < 0)
            throw new UsageException($"--lookups must be zero or more (got {lookups})");
        string topologyName = parsed.GetValue(Topology) ?? "flat";
        TopologyKind topology = topologyName switch
        {
            "flat" => TopologyKind.Flat,
            "eua" => TopologyKind.Eua,
            "regions" => TopologyKind.Regions,
            _ => throw new UsageException($"--topology must be flat, eua or regions (got '{topologyName}')"),
        };
        int zones = parsed.GetValue(Zones);
        if (zones is < 1 or > 256)
            throw new UsageException($"--zones must be from 1 to 256 (got {zones})");
        if (zones > nodes)
            throw new UsageException($"--zones must be at most --nodes ({nodes}) (got {zones})");
        double? fraction = parsed.GetValue(ZoneLocalFraction);
        if (fraction is { } f && (double.IsNaN(f) || f < 0 || f > 1))
            throw new UsageException($"--zone-local-fraction must be in [0, 1] (got {f})");
        var config = new OverlaySimConfig
        {
            Topology = topology,
            Zones = zones,
            ZoneLocalFraction = fraction,
            Nodes = nodes,
            Lookups = lookups,
            Seed = parsed.GetValue(Seed),
            Pastry = new PastryOptions { B = b, LeafSetSize = leafSet },
            Network = Network(parsed),
            CodecCheck = parsed.GetValue(CodecCheck),
        };
        ThrowIfInvalid(config.Validate());
        return config;
    }

    /// <summary>A config's first problem, as the one-line usage error the CLI prints.</summary>
    private static void ThrowIfInvalid(IReadOnlyList<string> problems)
    {
        if (problems.Count > 0)
            throw new UsageException(problems[0]);
    }
}
