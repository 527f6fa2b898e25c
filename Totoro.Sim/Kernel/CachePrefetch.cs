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
}
