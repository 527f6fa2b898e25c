using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>
/// Everything a planner may know: what its own node observed of its own transfers (acks, transfer times, losses) and
/// the load reports other nodes sent it. No link parameter of the world is reachable from here: a planner that
/// wanted the simulator's bandwidths or loss rates would have no way to get them.
/// </summary>
public interface IPlanningObservations
{
    /// <summary>Acknowledged transfers so far: the KL-UCB time index τ.</summary>
    long Slot { get; }

    /// <summary>Transfers sent straight to <paramref name="peer"/>.</summary>
    HopEstimate Direct(PeerHandle peer);

    /// <summary>Transfers to <paramref name="peer"/> sent through <paramref name="relay"/> (acknowledged by the far end).</summary>
    HopEstimate Relayed(PeerHandle relay, PeerHandle peer);

    /// <summary>The last load report heard from <paramref name="peer"/>, if any.</summary>
    LoadReport? Report(PeerHandle peer);

    /// <summary>This node's own report: its tree load and its measured uplink rate.</summary>
    LoadReport Own { get; }

    /// <summary>The fastest rate (bytes/µs) any node reported or this node measured: the optimistic prior for an untried path.</summary>
    double BestRate { get; }

    /// <summary>The mean least round trip over the peers measured (µs), the prior for an unmeasured one.</summary>
    double TypicalRoundTripMicros { get; }

    /// <summary>
    /// Whether <paramref name="peer"/> runs on this node's own machine (another logical node of its host): their
    /// transfers cross loopback, not the host's links. What a node knows of its own host, not of the network.
    /// </summary>
    bool OnSameHost(PeerHandle peer) => false;
}
