using Totoro.Core.Planning;
using Totoro.Core.Runtime;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// A node's planning observations with each peer's load report as that peer would answer a probe now (its own report,
/// read and changed in nothing): what the node's next decision will see, since it probes its candidates before it
/// decides. A peer the node never heard from stays unknown, as it would be weighed. For the audit only.
/// </summary>
internal sealed class ProbedObservations(IPlanningObservations seen, Func<PeerHandle, LoadReport?> answer) : IPlanningObservations
{
    public long Slot => seen.Slot;

    public HopEstimate Direct(PeerHandle peer) => seen.Direct(peer);

    public HopEstimate Relayed(PeerHandle relay, PeerHandle peer) => seen.Relayed(relay, peer);

    public LoadReport? Report(PeerHandle peer) => seen.Report(peer) is null ? null : answer(peer) ?? seen.Report(peer);

    public LoadReport Own => seen.Own;

    public double BestRate => seen.BestRate;

    public double TypicalRoundTripMicros => seen.TypicalRoundTripMicros;

    public bool OnSameHost(PeerHandle peer) => seen.OnSameHost(peer);
}
