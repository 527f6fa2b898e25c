using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>A proximity measured at most once per peer offered: the tables that weigh the same peer share it.</summary>
internal static class Proximity
{
    /// <summary>Not measured yet.</summary>
    public const long Unknown = -1;

    /// <summary>The proximity to <paramref name="peer"/>, asking the context only the first time (<paramref name="known"/> caches it).</summary>
    public static long Of(INodeContext context, PeerHandle peer, ref long known)
    {
        if (known < 0)
            known = context.ProximityTo(peer);
        return known;
    }
}
