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

    public long Dropped => Interlocked.Read(ref DecodeFailures) + Interlocked.Read(ref RateLimited) + Interlocked.Read(ref UnknownDestination);
}
