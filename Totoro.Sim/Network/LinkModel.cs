using Totoro.Sim.Kernel;

namespace Totoro.Sim.Network;

/// <summary>
/// Per-node uplink and downlink with FIFO queueing. A message of S bytes leaves when the sender's uplink is free,
/// occupies it for S / uplink, travels the propagation latency, then waits for and occupies the receiver's downlink
/// for S / downlink. So a 10 MB model costs what 10 MB costs. Optional independent loss per message.
/// </summary>
/// <remarks>
/// The downlink is reserved when the message is sent, in send order; a message sent later over a shorter path
/// cannot overtake it on the receiver's link. That keeps the model O(1) per message and per node.
/// </remarks>
public sealed class LinkModel
{
    /// <summary>IP and UDP headers charged on every datagram.</summary>
    public const int WireOverheadBytes = 28;

    private readonly ITopology _topology;

    /// <summary>What every datagram costs besides the message: IP and UDP headers, and the security envelope if charged.</summary>
    public int OverheadBytes { get; }

    private readonly long[] _uplinkFreeAt;
    private readonly long[] _downlinkFreeAt;
    private readonly float[] _uplinkBytesPerMicro;
    private readonly float[] _downlinkBytesPerMicro;
    private readonly double _lossRate;
    private ulong _lossRandom;

    public LinkModel(ITopology topology, int capacity, NetworkOptions options, ulong seed)
    {
        _topology = topology;
        _uplinkFreeAt = new long[capacity];
        _downlinkFreeAt = new long[capacity];
        _uplinkBytesPerMicro = new float[capacity];
        _downlinkBytesPerMicro = new float[capacity];
        _lossRate = options.LossRate;
        OverheadBytes = WireOverheadBytes + options.EnvelopeBytes;
        _lossRandom = SplitMix64.Derive(seed, 0x105e);
        Options = options;
    }

    public NetworkOptions Options { get; }

    public int BytesPerNode => (2 * 8) + (2 * 4);

    /// <summary>Gives a node its link speeds, drawn between the configured bounds.</summary>
    public void Place(int index, ref ulong random)
    {
        _uplinkBytesPerMicro[index] = (float)(Draw(Options.UplinkMbps, ref random) / 8.0);
        _downlinkBytesPerMicro[index] = (float)(Draw(Options.DownlinkMbps, ref random) / 8.0);
    }

    /// <summary>Sets a node's link speeds (a data-centre coordinator's, say).</summary>
    public void SetSpeeds(int index, double uplinkMbps, double downlinkMbps)
    {
        if (!(uplinkMbps > 0) || !(downlinkMbps > 0))
            throw new ArgumentOutOfRangeException(nameof(uplinkMbps), "Link speeds must be positive.");
        _uplinkBytesPerMicro[index] = (float)(uplinkMbps / 8.0);
        _downlinkBytesPerMicro[index] = (float)(downlinkMbps / 8.0);
    }

    /// <summary>
    /// Charges a message to both ends' links and returns its arrival time, or -1 when the loss model drops it.
    /// A lost message still used the sender's uplink.
    /// </summary>
    public long Transmit(int from, int to, int bytes, long now)
    {
        bytes += OverheadBytes;
        long start = Math.Max(now, _uplinkFreeAt[from]);
        long sent = start + (long)Math.Ceiling(bytes / _uplinkBytesPerMicro[from]);
        _uplinkFreeAt[from] = sent;
        if (_lossRate > 0 && SplitMix64.NextDouble(ref _lossRandom) < _lossRate)
            return -1;
        long reaches = sent + _topology.OneWayMicros(from, to);
        long received = Math.Max(reaches, _downlinkFreeAt[to]) + (long)Math.Ceiling(bytes / _downlinkBytesPerMicro[to]);
        _downlinkFreeAt[to] = received;
        return received;
    }

    private static double Draw((double Min, double Max) range, ref ulong random)
        => range.Min + ((range.Max - range.Min) * SplitMix64.NextDouble(ref random));
}
