using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// The simulator's seal (`totoro sim --secure`): as many bytes as a certified host's seal, naming the root, with the
/// signature modelled as valid. The forest's check that the named root is the closest node it knows runs for real.
/// </summary>
public sealed class ModelledBroadcastSeal(int bytes) : IBroadcastSeal
{
    public int Bytes { get; } = Math.Max(16, bytes);

    /// <summary>Broadcasts refused by the nodes using this seal (the simulator has no log).</summary>
    public long Refusals { get; private set; }

    public byte[] Seal(NodeId app, int round, NodeId root, Payload wire)
    {
        var seal = new byte[Bytes];
        root.WriteBytes(seal);
        return seal;
    }

    public bool TryOpen(ReadOnlySpan<byte> seal, NodeId app, int round, Payload wire, out NodeId root, out string? error)
    {
        if (seal.Length != Bytes)
        {
            root = default;
            error = $"a seal of {seal.Length} bytes, not {Bytes}";
            return false;
        }

        root = NodeId.FromBytes(seal);
        error = null;
        return true;
    }

    public void Refused(NodeId app, int round, string reason) => Refusals++;
}
