using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// The set of trees two neighbours share, as a count and an order-free hash (XOR of a mix of each app id, whether the
/// parent is cut off and the parent's own parent's id), so that parent and child compare their views in 12 bytes
/// however many trees they share.
/// </summary>
internal readonly record struct KeepAliveDigest(int Count, long Hash, bool Due)
{
    /// <summary>One tree in a keep-alive's full list: app id 16 | detached u8 | grandparent u16 (an index into the message's peers; <see cref="NoGrandparent"/>: none).</summary>
    public const int EntryBytes = 19;

    public const ushort NoGrandparent = ushort.MaxValue;

    public KeepAliveDigest With(NodeId app, bool detached, NodeId grandparent, bool due)
        => new(Count + 1, Hash ^ Mix(app, detached, grandparent), Due || due);

    public bool SameTrees(KeepAliveDigest other) => Count == other.Count && Hash == other.Hash;

    private static long Mix(NodeId app, bool detached, NodeId grandparent)
    {
        // SplitMix64's finaliser over all the halves: a tree's bit pattern spreads over the whole word before the XOR.
        ulong g = (ulong)(grandparent.Value >> 64) ^ ((ulong)grandparent.Value * 0xC2B2AE3D27D4EB4FUL);
        ulong x = (ulong)(app.Value >> 64) ^ ((ulong)app.Value * 0x9E3779B97F4A7C15UL) ^ (detached ? 0xD1B54A32D192ED03UL : 0) ^ (g * 0x165667B19E3779F9UL);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return (long)(x ^ (x >> 31));
    }
}
