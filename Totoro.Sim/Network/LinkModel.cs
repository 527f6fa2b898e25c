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
    private readonly Link[] _links; // one array of structs: a send touches one cache line at each end
    private readonly double _lossRate;
    private ulong _lossRandom;

    public LinkModel(ITopology topology, int capacity, NetworkOptions options, ulong seed)
    {
        _topology = topology;
        _links = new Link[capacity];
        _lossRate = options.LossRate;
        _lossRandom = SplitMix64.Derive(seed, 0x105e);
        Options = options;
    }

    public NetworkOptions Options { get; }

    public int BytesPerNode => (2 * 8) + (2 * 4);

    /// <summary>Gives a node its link speeds, drawn between the configured bounds.</summary>
    public void Place(int index, ref ulong random)
    {
        _links[index].UplinkBytesPerMicro = (float)(Draw(Options.UplinkMbps, ref random) / 8.0);
        _links[index].DownlinkBytesPerMicro = (float)(Draw(Options.DownlinkMbps, ref random) / 8.0);
    }

    /// <summary>Sets a node's link speeds (a data-centre coordinator's, say).</summary>
    public void SetSpeeds(int index, double uplinkMbps, double downlinkMbps)
    {
        if (!(uplinkMbps > 0) || !(downlinkMbps > 0))
            throw new ArgumentOutOfRangeException(nameof(uplinkMbps), "Link speeds must be positive.");
        _links[index].UplinkBytesPerMicro = (float)(uplinkMbps / 8.0);
        _links[index].DownlinkBytesPerMicro = (float)(downlinkMbps / 8.0);
    }

    /// <summary>
    /// Charges a message to both ends' links and returns its arrival time, or -1 when the loss model drops it.
    /// A lost message still used the sender's uplink.
    /// </summary>
    public long Transmit(int from, int to, int bytes, long now)
    {
        bytes += WireOverheadBytes;
        ref Link up = ref _links[from];
        long start = Math.Max(now, up.UplinkFreeAt);
        long sent = start + (long)Math.Ceiling(bytes / up.UplinkBytesPerMicro);
        up.UplinkFreeAt = sent;
        if (_lossRate > 0 && SplitMix64.NextDouble(ref _lossRandom) < _lossRate)
            return -1;
        long reaches = sent + _topology.OneWayMicros(from, to);
        ref Link down = ref _links[to];
        long received = Math.Max(reaches, down.DownlinkFreeAt) + (long)Math.Ceiling(bytes / down.DownlinkBytesPerMicro);
        down.DownlinkFreeAt = received;
        return received;
    }

    private static double Draw((double Min, double Max) range, ref ulong random)
        => range.Min + ((range.Max - range.Min) * SplitMix64.NextDouble(ref random));

    /// <summary>One node's two links: when each is next free, and its speed.</summary>
    private struct Link
    {
        public long UplinkFreeAt;
        public long DownlinkFreeAt;
        public float UplinkBytesPerMicro;
        public float DownlinkBytesPerMicro;
    }
}
