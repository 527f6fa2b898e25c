using System.Text.RegularExpressions;
using Totoro.Core.Overlay;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments;

/// <summary>
/// The simulated world every overlay and forest kind shares. Keys are `totoro sim`'s options in camelCase, so the
/// scenario configs' own checks ("--leaf-set must …") can be reported under the YAML key ("leafSet").
/// </summary>
internal partial class WorldParameters
{
    public int Nodes { get; set; } = 1000;

    public int B { get; set; } = 4;

    public int LeafSet { get; set; } = 24;

    public int Lookups { get; set; } = 1000;

    /// <summary>flat, eua or regions.</summary>
    public string Topology { get; set; } = "flat";

    public int Zones { get; set; } = 1;

    /// <summary>Every node's uplink; null draws each from 50–200 Mbit/s.</summary>
    public double? UplinkMbps { get; set; }

    /// <summary>Every node's downlink; null draws each from 100–400 Mbit/s.</summary>
    public double? DownlinkMbps { get; set; }

    /// <summary>Sends every message through the wire codec (`--codec-check`); the results must not change.</summary>
    public bool CodecCheck { get; set; }

    public IReadOnlyList<string> ValidateWorld()
    {
        var problems = new List<string>();
        if (Topology is not ("flat" or "eua" or "regions"))
            problems.Add($"'topology' must be flat, eua or regions (got '{Topology}')");
        if (UplinkMbps is <= 0 || DownlinkMbps is <= 0)
            problems.Add("'uplinkMbps' and 'downlinkMbps' must be positive (or null for the drawn defaults)");
        if (problems.Count == 0)
            problems.AddRange(ToOverlayConfig(1).Validate().Select(YamlKeys));
        if (problems.Count == 0 && MemoryEstimate.Refusal(ToOverlayConfig(1), SizedForest(), MemoryEstimate.MachineBytes()) is { } refusal)
            problems.Add($"'nodes' {Nodes:N0}: {refusal}");
        return problems;
    }

    /// <summary>The trees a point builds, as far as its memory goes (none for an overlay alone).</summary>
    protected virtual ForestSimConfig? SizedForest() => null;

    public OverlaySimConfig ToOverlayConfig(ulong seed)
    {
        var network = new NetworkOptions();
        if (UplinkMbps is { } up)
            network = network with { UplinkMbps = (up, up) };
        if (DownlinkMbps is { } down)
            network = network with { DownlinkMbps = (down, down) };
        return new OverlaySimConfig
        {
            Nodes = Nodes,
            Lookups = Lookups,
            Seed = seed,
            Topology = Topology switch { "eua" => TopologyKind.Eua, "regions" => TopologyKind.Regions, _ => TopologyKind.Flat },
            Zones = Zones,
            Pastry = new PastryOptions { B = B, LeafSetSize = LeafSet },
            Network = network,
            CodecCheck = CodecCheck,
        };
    }

    /// <summary>"--subscribers-per-app must …" becomes "'subscribersPerApp' must …".</summary>
    public static string YamlKeys(string problem) =>
        OptionName().Replace(problem, m => "'" + string.Concat(m.Groups[1].Value.Split('-').Select((w, i) => i == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..])) + "'");

    [GeneratedRegex("--([a-z][a-z0-9-]*)")]
    private static partial Regex OptionName();
}
