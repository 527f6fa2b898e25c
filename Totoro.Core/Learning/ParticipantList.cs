using System.Buffers.Binary;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// The round's participants as the broadcast carries them: ascending worker indices, each with the tag of the node
/// the master gave that shard to (int32 index, uint32 holder, big endian). A node trains only for an entry that names
/// it, so a shard that two nodes believe they hold (two rosters before the root settled) is trained once; holder 0
/// means whoever holds the shard (the simulator hands shards out itself).
/// </summary>
public static class ParticipantList
{
    public const int EntryBytes = 8;

    /// <summary>A node's holder tag: 32 bits of its id, never 0.</summary>
    public static uint HolderOf(NodeId node) => (uint)node.Value | 1;

    public static byte[] Encode(IReadOnlyList<int> workers, IReadOnlyList<uint>? holders = null)
    {
        var bytes = new byte[workers.Count * EntryBytes];
        for (int i = 0; i < workers.Count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(i * EntryBytes), workers[i]);
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan((i * EntryBytes) + 4), holders?[i] ?? 0);
        }

        return bytes;
    }

    /// <summary>The index of entry <paramref name="i"/>.</summary>
    public static int WorkerAt(byte[] list, int i) => BinaryPrimitives.ReadInt32BigEndian(list.AsSpan(i * EntryBytes));

    /// <summary>True when <paramref name="worker"/> is in the list for <paramref name="holder"/> (binary search: the list is sorted).</summary>
    public static bool Contains(byte[]? list, int worker, uint holder = 0)
    {
        if (list is null)
            return false;
        int lo = 0, hi = Count(list) - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int value = WorkerAt(list, mid);
            if (value == worker)
            {
                uint named = BinaryPrimitives.ReadUInt32BigEndian(list.AsSpan((mid * EntryBytes) + 4));
                return named == 0 || holder == 0 || named == holder;
            }

            if (value < worker)
                lo = mid + 1;
            else
                hi = mid - 1;
        }

        return false;
    }

    public static int Count(byte[]? list) => (list?.Length ?? 0) / EntryBytes;

    /// <summary>The shard the master names <paramref name="holder"/> for in this round, or −1: the root's word beats what a node last heard.</summary>
    public static int IndexFor(byte[]? list, uint holder)
    {
        for (int i = 0; i < Count(list); i++)
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(list.AsSpan((i * EntryBytes) + 4)) == holder)
                return WorkerAt(list!, i);
        }

        return -1;
    }
}
