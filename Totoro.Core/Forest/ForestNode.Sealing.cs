using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Sealed broadcasts (DESIGN §10a): the root signs each round once; every node that receives it opens the seal and
/// checks that the root it names is the node closest to the app id among those it knows of, before it forwards the
/// round or hands it to the app. A refused round is counted, reported to the seal (a host's warning) and dropped.
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>Signs and opens the roots' broadcasts; null in an open overlay (and the simulator without --secure).</summary>
    public IBroadcastSeal? BroadcastSeal { get; set; }

    /// <summary>Broadcasts refused because their seal was missing, did not verify, or named a root that is not the closest this node knows.</summary>
    public long RefusedBroadcasts { get; private set; }

    /// <summary>
    /// How many known nodes may be closer to the app id than the root that sealed a round: the app's replica count.
    /// When a root dies, the closest live replica holder takes over; a node that has not yet found the dead root
    /// dead (a far member keeps a routing-table entry until a hop to it times out) still counts it, and a burst may
    /// kill several roots in turn, each a replica holder. The nodes this lets through are those the root already
    /// trusts with the app's whole state, so the tolerance gives no one power they did not have.
    /// </summary>
    private static int SealTolerance(TreeState state) => Math.Max(0, state.App.Options.Replicas);

    /// <summary>At the root: the round's payload as it travels, with this node's seal.</summary>
    private Payload SealRound(TreeState state, int round, Payload compressed)
        => BroadcastSeal is { } seal ? SealedPayload.Wrap(compressed, seal.Seal(state.App.Id, round, Overlay.Id, compressed)) : compressed;

    /// <summary>The payload the root sealed, or null when this node refuses the round (counted and reported).</summary>
    private Payload? OpenRound(TreeState state, int round, Payload wire)
    {
        if (BroadcastSeal is not { } seal)
            return wire;
        NodeId app = state.App.Id;
        if (!SealedPayload.TryUnwrap(wire, out ReadOnlyMemory<byte> bytes, out Payload? inner, out string? error)
            || !seal.TryOpen(bytes.Span, app, round, inner!, out NodeId root, out error))
            return RefuseRound(seal, app, round, error!);
        int tolerance = SealTolerance(state);
        int closer = Overlay.KnownCloser(app, root, tolerance + 1);
        if (closer > tolerance)
            return RefuseRound(seal, app, round, $"round {round} of app {app} sealed by {root}, which is not the app's root: this node knows {closer}+ live nodes closer to the app id (tolerance {tolerance})");
        return inner;
    }

    private Payload? RefuseRound(IBroadcastSeal seal, NodeId app, int round, string reason)
    {
        RefusedBroadcasts++;
        Refuse(reason);
        seal.Refused(app, round, reason);
        return null;
    }
}
