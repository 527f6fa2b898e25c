using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: discovery` (Totoro+'s AD-tree ablation): how fast and at what cost nodes learn of newly advertised apps
/// through the advertise–discover tree or through an outside directory they poll, and what happens when the tree's
/// root or the directory crashes.
/// </summary>
internal sealed partial class DiscoveryKind : ExperimentKind<DiscoveryParameters, DiscoveryKind.Row>
{
    public override string Name => "discovery";

    public override string Description => "app discovery: the advertise–discover tree against a directory every node polls";

    protected override IReadOnlyList<string> Validate(DiscoveryParameters parameters) => parameters.ValidateDiscovery();

    // The tree's runs build an overlay; the directory's only register and poll.
    protected override double Cost(DiscoveryParameters parameters) => parameters.System == "ad-tree" ? 10.0 * parameters.Nodes : parameters.Nodes;

    protected override PointResult Run(DiscoveryParameters parameters, ulong seed, Action<SimProgress>? progress)
    {
        DiscoverySection d = new DiscoveryScenario(parameters.ToDiscoveryOverlay(seed), parameters.ToDiscoveryConfig()).Run(progress);
        return new PointResult(new Row(
            Seed: seed,
            Nodes: parameters.Nodes,
            System: d.System,
            PollPeriodSeconds: d.PollPeriodSeconds,
            Participants: d.Participants,
            Advertisements: d.Advertisements,
            SecondsTo50: d.SecondsTo50,
            SecondsTo90: d.SecondsTo90,
            SecondsTo99: d.SecondsTo99,
            SecondsTo100: d.SecondsTo100,
            MaxSecondsTo99: d.MaxSecondsTo99,
            CatalogueComplete: d.CatalogueComplete,
            SetupMsgsPerNode: d.SetupMessagesPerNode,
            MsgsPerNodePerSec: d.MessagesPerNodePerSecond,
            BpsPerNode: d.BytesPerNodePerSecond,
            P99MsgsPerSec: d.P99MessagesPerSecond,
            BusiestMsgsPerSec: d.BusiestMessagesPerSecond,
            BusiestBps: d.BusiestBytesPerSecond,
            BusiestIsHub: d.BusiestIsHub,
            HubMsgsPerSec: d.HubMessagesPerSecond,
            HubBps: d.HubBytesPerSecond,
            FailureReach: d.FailureReach,
            FailureSecondsTo50: d.FailureSecondsTo50,
            FailureSecondsTo90: d.FailureSecondsTo90,
            FailureSecondsTo99: d.FailureSecondsTo99,
            FailureAnnouncements: d.FailureAnnouncements,
            FailureCatalogueComplete: d.FailureCatalogueComplete));
    }

    /// <summary>
    /// One point. Seconds: from an app's advertisement until that share of the live nodes knew it (mean over the
    /// window's apps; empty: never). Msgs and Bps: discovery messages and bytes a node sends plus receives a second.
    /// Hub: the tree's root or the directory. Failure: the app advertised after the hub crashed.
    /// </summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Nodes,
        string System,
        double? PollPeriodSeconds,
        int Participants,
        int Advertisements,
        double? SecondsTo50,
        double? SecondsTo90,
        double? SecondsTo99,
        double? SecondsTo100,
        double? MaxSecondsTo99,
        int CatalogueComplete,
        double SetupMsgsPerNode,
        double MsgsPerNodePerSec,
        double BpsPerNode,
        double P99MsgsPerSec,
        double BusiestMsgsPerSec,
        double BusiestBps,
        bool BusiestIsHub,
        double HubMsgsPerSec,
        double HubBps,
        double FailureReach,
        double? FailureSecondsTo50,
        double? FailureSecondsTo90,
        double? FailureSecondsTo99,
        int FailureAnnouncements,
        int FailureCatalogueComplete);
}
