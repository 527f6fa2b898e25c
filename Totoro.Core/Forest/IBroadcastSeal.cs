using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// The root's signature on a round's broadcast (DESIGN §10a): made once per round at the root, carried unchanged down
/// the tree, opened by every node that receives it. A certified host signs with its node key and sends its certificate
/// along; the simulator models the bytes. The forest itself checks that the root a seal names is the closest node to
/// the app id it knows of (<see cref="ForestNode"/>'s sealing part).
/// </summary>
public interface IBroadcastSeal
{
    /// <summary>The seal for <paramref name="wire"/> (the round's payload as it travels) by <paramref name="root"/>.</summary>
    byte[] Seal(NodeId app, int round, NodeId root, Payload wire);

    /// <summary>
    /// True, with the root it names, when <paramref name="seal"/> is a certified root's signature over this app, round
    /// and payload; false with a reason otherwise.
    /// </summary>
    bool TryOpen(ReadOnlySpan<byte> seal, NodeId app, int round, Payload wire, out NodeId root, out string? error);

    /// <summary>A broadcast was refused (a host logs it at warning level).</summary>
    void Refused(NodeId app, int round, string reason);
}
