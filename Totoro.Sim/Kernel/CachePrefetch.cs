using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Totoro.Core.Runtime;

namespace Totoro.Sim.Kernel;

/// <summary>
/// Software prefetch of per-node rows: a batch of peers' rows is requested from memory at once, so that their cache
/// misses overlap instead of each stalling the handler in turn. Only a hint; a no-op where SSE is absent.
/// </summary>
internal static class CachePrefetch
{
    /// <summary>Starts loading each peer's row of <paramref name="rows"/>; none and out-of-range handles are skipped.</summary>
    public static unsafe void Rows<T>(T[] rows, ReadOnlySpan<PeerHandle> peers)
        where T : unmanaged
    {
        if (!Sse.IsSupported)
            return;
        fixed (T* first = rows)
        {
            foreach (PeerHandle peer in peers)
            {
                if ((uint)peer.Index < (uint)rows.Length)
                    Sse.Prefetch0(first + peer.Index);
            }
        }
    }

    /// <summary>Starts loading row <paramref name="index"/> of <paramref name="rows"/> (of any element type); out of range is skipped.</summary>
    public static unsafe void Row<T>(T[] rows, int index)
    {
        if (!Sse.IsSupported || (uint)index >= (uint)rows.Length)
            return;
        Sse.Prefetch0(Unsafe.AsPointer(ref rows[index]));
    }

    /// <summary>
    /// Starts loading the first <paramref name="lines"/> cache lines of an object. The address is read without pinning:
    /// should the collector move the object meanwhile, the hint is merely wasted (a prefetch never faults).
    /// </summary>
    public static unsafe void Object(object? target, int lines)
    {
        if (!Sse.IsSupported || target is null)
            return;
        byte* at = *(byte**)Unsafe.AsPointer(ref target);
        for (int i = 0; i < lines; i++)
            Sse.Prefetch0(at + (64 * i));
    }
}
