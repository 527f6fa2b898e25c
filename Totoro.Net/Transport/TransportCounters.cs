namespace Totoro.Net.Transport;

/// <summary>What a transport has seen since it started; read by metrics and the `info` control request.</summary>
public sealed class TransportCounters
{
    public long DatagramsIn;
    public long DatagramsOut;
    public long BytesIn;
    public long BytesOut;
    public long ReliableOut;

    /// <summary>Datagrams that did not decode (frame or codec), dropped.</summary>
    public long DecodeFailures;

    /// <summary>Datagrams dropped because their sender exceeded its rate.</summary>
    public long RateLimited;

    /// <summary>Node frames for a node this host does not run.</summary>
    public long UnknownDestination;

    /// <summary>Reliable sends abandoned because the connection failed.</summary>
    public long SendFailures;

    /// <summary>Frames from outside any session (no certificate, unknown session, failed authentication), dropped.</summary>
    public long Unauthenticated;

    /// <summary>Sealed frames (or hellos) seen before, dropped.</summary>
    public long Replayed;

    /// <summary>Hellos and replies refused: bad signature, certificate invalid, expired, revoked, or stale.</summary>
    public long HandshakesRefused;

    /// <summary>Frames that name a node id not derived from their sender's key (or sends to such an id), dropped.</summary>
    public long IdNotOwned;

    /// <summary>Control requests refused: from elsewhere than loopback without a valid signature, or a stop not from the app's creator.</summary>
    public long ControlRefused;

    /// <summary>Control requests taken (well-formed JSON, from loopback or signed).</summary>
    public long ControlRequests;

    /// <summary>Reliable connections refused because the peer had not authenticated (a certified host).</summary>
    public long ConnectionsRefused;

    public long HandshakesSent;
    public long HandshakesAccepted;

    /// <summary>Everything refused for authentication reasons (what a metrics counter of authentication failures reads).</summary>
    public long AuthenticationFailures => Interlocked.Read(ref Unauthenticated) + Interlocked.Read(ref Replayed) + Interlocked.Read(ref HandshakesRefused)
        + Interlocked.Read(ref IdNotOwned) + Interlocked.Read(ref ControlRefused);

    public long Dropped => Interlocked.Read(ref DecodeFailures) + Interlocked.Read(ref RateLimited) + Interlocked.Read(ref UnknownDestination)
        + AuthenticationFailures;
}
