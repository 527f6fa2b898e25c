using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>
/// A flow's estimated time per round (µs) under a strategy, from the node's observations alone: half a round trip
/// plus the bytes at the observed time per byte, times the KL-UCB optimistic attempts per delivery. An untried path
/// is optimistic (the faster of the sender's own uplink and the relay's reported one). With <c>loadAware</c>, the
/// bytes the other flows put on the same links per round (from load reports) are added: the congestion-game cost.
/// </summary>
public static class FlowCosts
{
    /// <summary>Cost of the flow's direct link.</summary>
    public static double Direct(IPlanningObservations seen, PeerHandle peer, long bytes, bool loadAware)
    {
        HopEstimate hop = seen.Direct(peer);
        double perByte = PerByte(seen, hop, seen.Own.UpBytesPerMicro);
        double cost = Half(seen, hop) + (Attempts(seen, hop) * bytes * perByte);
        if (loadAware && seen.Report(peer) is { } far)
            cost += Math.Max(0, far.DownBytesPerRound - bytes) * perByte; // the others' bytes into the far end's downlink
        return cost;
    }

    /// <summary>Cost of sending through <paramref name="relay"/>: its path as observed, or optimistic while untried.</summary>
    public static double Relayed(IPlanningObservations seen, PeerHandle relay, PeerHandle peer, long bytes, bool loadAware)
    {
        HopEstimate path = seen.Relayed(relay, peer);
        LoadReport? at = seen.Report(relay);
        double prior = Math.Min(Rate(seen.Own.UpBytesPerMicro, seen), Rate(at?.UpBytesPerMicro ?? 0, seen));
        double perByte = path.IsTried ? Optimistic(path, seen.Slot) : 1 / prior;
        double latency = path.IsTried ? path.RoundTripMicros / 2 : Half(seen, seen.Direct(relay)) + (seen.TypicalRoundTripMicros / 2);
        double cost = latency + (Attempts(seen, path) * bytes * perByte);
        if (!loadAware)
            return cost;
        if (at is { } r)
            cost += (r.UpBytesPerRound + r.DownBytesPerRound) / Rate(r.UpBytesPerMicro, seen); // the relay's links carry others too
        if (seen.Report(peer) is { } far)
            cost += Math.Max(0, far.DownBytesPerRound - bytes) * perByte; // the far end's downlink, as for the direct link
        return cost;
    }

    /// <summary>
    /// A child's cost of a parent per round, in the form of the links it crosses: its update leaves the child's uplink
    /// and enters the parent's downlink, the parent's model leaves the parent's uplink and enters the child's downlink,
    /// plus a round trip. Rates are the measured ones the parent reported (a parent that has not reported is not
    /// weighed) and the child's own. With <c>loadAware</c> each link costs its whole load per round (the others' bytes
    /// from the reports, the current parent's less this child's own): the congestion-game cost; without, the child's
    /// own bytes alone (the flow as if it were alone, EuroSys).
    /// </summary>
    public static double Parent(IPlanningObservations seen, PeerHandle parent, PeerHandle currentParent, long upBytes, long downBytes, bool loadAware, bool deeper = false) => Parent(seen, parent, currentParent, upBytes, downBytes, loadAware, deeper ? 1 : 0);

    /// <param name="extraHops">How many times the move adds the candidate's level (0: none; a sibling: 1 and its subtree's share).</param>
    /// <param name="hopMicros">That hop's one-way time, as the candidate told it (0: not told; half this node's round trip to it instead).</param>
    public static double Parent(IPlanningObservations seen, PeerHandle parent, PeerHandle currentParent, long upBytes, long downBytes, bool loadAware, double extraHops, double hopMicros = 0)
    {
        bool current = parent == currentParent;
        HopEstimate hop = seen.Direct(parent);
        LoadReport own = seen.Own;
        LoadReport report = seen.Report(parent) ?? default;
        double parentUp = Rate(report.UpBytesPerMicro, seen);
        double parentDown = Downlink(report.DownBytesPerMicro, parentUp);
        double ownUp = Rate(own.UpBytesPerMicro, seen);
        double ownDown = Downlink(own.DownBytesPerMicro, ownUp);
        double roundTrip = hop.RoundTripMicros > 0 ? hop.RoundTripMicros : seen.TypicalRoundTripMicros;
        double intoParent = upBytes, outOfParent = downBytes, outOfChild = upBytes, intoChild = downBytes;
        if (loadAware)
        {
            intoParent += Math.Max(0, report.DownBytesPerRound - (current ? upBytes : 0));
            outOfParent += Math.Max(0, report.UpBytesPerRound - (current ? downBytes : 0));
            outOfChild = Math.Max(upBytes, own.UpBytesPerRound);
            intoChild = Math.Max(downBytes, own.DownBytesPerRound);
        }

        // Under a sibling the child is a level deeper: the model first enters the sibling (a hop down, store and forward),
        // and its update reaches the parent inside the sibling's aggregate (a hop up, which leaves once the update is in).
        double oneWay = hopMicros > 0 ? hopMicros : roundTrip / 2;
        double extraHop = extraHops * ((2 * oneWay) + (downBytes / parentDown) + (upBytes / parentUp));
        if (seen.OnSameHost(parent))
            return roundTrip + extraHop; // the update and the model cross loopback, none of the host's links
        return roundTrip + extraHop + (Attempts(seen, hop) * ((outOfChild / ownUp) + (intoParent / parentDown) + (outOfParent / parentUp) + (intoChild / ownDown)));
    }

    /// <summary>
    /// The downlink rate a planner prices a node at, from the rate it reported (0: none measured) and its uplink rate.
    /// Every measured downlink is a lower bound (arrival gaps reach the rate only when arrivals queue, a sender's timing
    /// only when its transfer did not wait), so a low one may be the senders' pace, not the link. It is believed down to
    /// <see cref="DownlinkPriorShare"/> of the uplink, and below that (or unmeasured) the node is priced at its uplink
    /// rate: access downlinks are rarely slower than half their uplink. The first rule believed none below the uplink,
    /// and 11 % of the simulated nodes have a slower downlink (down 100–400 Mbit/s, up 50–200, drawn apart), measured
    /// exactly by their children's queued updates and priced up to twice too fast: with the oracle's idle edges fixed,
    /// their children made most of the gap where no app ended (docs/planning.md I.7).
    /// </summary>
    public static double Downlink(double measured, double uplink) => measured >= DownlinkPriorShare * uplink ? measured : uplink;

    /// <summary>The least share of its uplink a node's measured downlink is believed at (<see cref="Downlink"/>).</summary>
    public const double DownlinkPriorShare = 0.5;

    private static double Half(IPlanningObservations seen, HopEstimate hop)
        => (hop.RoundTripMicros > 0 ? hop.RoundTripMicros : seen.TypicalRoundTripMicros) / 2;

    private static double Attempts(IPlanningObservations seen, HopEstimate hop)
        => KlUcb.OptimisticAttempts(hop.SuccessRate, hop.Transfers, seen.Slot);

    /// <summary>Observed time per byte, optimistic by a confidence width that shrinks as √(log τ / n); untried: the prior.</summary>
    private static double PerByte(IPlanningObservations seen, HopEstimate hop, double priorRate)
        => hop.IsTried ? Optimistic(hop, seen.Slot) : 1 / Rate(priorRate, seen);

    private static double Optimistic(HopEstimate hop, long slot)
    {
        double width = Math.Sqrt(Math.Log(Math.Max(slot, 2)) / hop.BulkSamples);
        return hop.MicrosPerByte * Math.Max(0.5, 1 - (0.25 * width));
    }

    private static double Rate(double rate, IPlanningObservations seen)
        => rate > 0 ? rate : Math.Max(seen.BestRate, 1e-3);
}
