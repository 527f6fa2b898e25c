using System.Buffers.Binary;

namespace Totoro.Core.Learning;

/// <summary>The round's participants as the broadcast carries them: ascending worker indices, int32 big endian.</summary>
public static class ParticipantList
{
    public static byte[] Encode(IReadOnlyList<int> workers)
    {
        var bytes = new byte[workers.Count * 4];
        for (int i = 0; i < workers.Count; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(i * 4), workers[i]);
        return bytes;
    }

    /// <summary>True when <paramref name="worker"/> is in the list (binary search: the list is sorted).</summary>
    public static bool Contains(byte[]? list, int worker)
    {
        if (list is null)
            return false;
        int lo = 0, hi = (list.Length / 4) - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int value = BinaryPrimitives.ReadInt32BigEndian(list.AsSpan(mid * 4));
            if (value == worker)
                return true;
            if (value < worker)
                lo = mid + 1;
            else
                hi = mid - 1;
        }

        return false;
    }

    public static int Count(byte[]? list) => (list?.Length ?? 0) / 4;
}
