using System.Net;

namespace Totoro.Net.Security;

/// <summary>What the secure channel needs from its host: the clocks, the raw socket and timers (all on the event loop).</summary>
public interface ISecureLink
{
    /// <summary>The host's clock, µs.</summary>
    long NowMicros { get; }

    /// <summary>Wall-clock time for certificates and hello freshness, ms since 1970.</summary>
    long UnixMillis { get; }

    void SendRaw(IPEndPoint to, byte[] frame, bool reliable);

    void Schedule(long delayMicros, Action task);
}
