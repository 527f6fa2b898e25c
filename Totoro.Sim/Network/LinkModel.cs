using Totoro.Sim.Kernel;

namespace Totoro.Sim.Network;

/// <summary>
/// Per-node uplink and downlink with FIFO queueing. A message of S bytes leaves when the sender's uplink is free,
/// occupies it for S / uplink, travels the propagation latency, then waits for and occupies the receiver's downlink
/// for S / downlink. So a 10 MB model costs what 10 MB costs. Optional independent loss per message.
/// </summary>
/// <remarks>
/// The downlink is reserved when the message is sent, for when it reaches the receiver. A message that reaches the
/// receiver before one already reserved there (sent later over a shorter path, or from a sender with no queue) takes
/// the link in an idle stretch before that reservation if it fits (<see cref="DownlinkGaps"/>), else queues behind the
/// last one. The first version queued every message behind the last reservation, in send order: one update from a
/// sender with seconds of uplink queue then held the receiver's downlink idle for those seconds, and every message
/// sent to it meanwhile waited (a 204 kB update sent at 0.61 s over a 21.9 MB/s uplink and a 47 MB/s downlink was
/// received at 2.63 s; 6.4 % of a live-planning run's round time was such stalls, docs/planning.md I.7).
/// </remarks>
public sealed class LinkModel
{
    /// <summary>IP and UDP headers charged on every datagram.</summary>
    public const int WireOverheadBytes = 28;

    private readonly ITopology _topology;

    /// <summary>What every datagram costs besides the message: IP and UDP headers, and the security envelope if charged.</summary>
    public int OverheadBytes { get; }

    private readonly Link[] _links; // one array of structs: a send reads one cache line of its receiver, not two
    private readonly double _lossRate;
    private readonly float[]? _nodeLoss;
    private readonly ulong _pathSeed;
    private ulong _lossRandom;
    private ulong _impairRandom;
    private ulong _retransmitRandom;

    public LinkModel(ITopology topology, int capacity, NetworkOptions options, ulong seed)
    {
        _topology = topology;
        _links = new Link[capacity];
        _lossRate = options.LossRate;
        OverheadBytes = WireOverheadBytes + options.EnvelopeBytes;
        _lossRandom = SplitMix64.Derive(seed, 0x105e);
        Options = options;
        // Impairments draw from streams of their own, so an unimpaired world is the same world as before they existed.
        _impairRandom = SplitMix64.Derive(seed, 0x1a9a1);
        _retransmitRandom = SplitMix64.Derive(seed, 0x2e7a);
        _pathSeed = SplitMix64.Derive(seed, 0xba0a7);
        if (options.LossyFraction > 0)
            _nodeLoss = new float[capacity];
    }

    public NetworkOptions Options { get; }

    /// <summary>A node's <see cref="Link"/>: two times, two rates, and its idle stretch or pool block (24 with padding). The pool of further stretches grows to the run's peak of messages in flight and is in the measured peak memory.</summary>
    public int BytesPerNode => (2 * 8) + (2 * 4) + 24;

    private readonly DownlinkGaps _gaps = new();

    /// <summary>Gives a node its link speeds, drawn between the configured bounds.</summary>
    public void Place(int index, ref ulong random)
    {
        ref Link link = ref _links[index];
        link.UplinkBytesPerMicro = (float)(Draw(Options.UplinkMbps, ref random) / 8.0);
        link.DownlinkBytesPerMicro = (float)(Draw(Options.DownlinkMbps, ref random) / 8.0);
        if (Options.SlowFraction > 0 && SplitMix64.NextDouble(ref _impairRandom) < Options.SlowFraction)
        {
            link.UplinkBytesPerMicro /= (float)Options.SlowFactor;
            link.DownlinkBytesPerMicro /= (float)Options.SlowFactor;
        }

        if (_nodeLoss is not null && SplitMix64.NextDouble(ref _impairRandom) < Options.LossyFraction)
            _nodeLoss[index] = (float)Options.LossyRate;
    }

    // ---- The true link parameters: for the world and for oracles that score a run, never for a planner ----------

    public double UplinkBytesPerMicro(int node) => _links[node].UplinkBytesPerMicro;

    /// <summary>When everything a node has sent so far will have left its uplink (µs): what the node itself can tell of its own queue.</summary>
    public long UplinkFreeAt(int node) => _links[node].UplinkFreeAt;

    public double DownlinkBytesPerMicro(int node) => _links[node].DownlinkBytesPerMicro;

    /// <summary>Packet loss between two nodes: their nodes' own and the path's (independent).</summary>
    public double PacketLoss(int from, int to)
    {
        if (!Options.IsImpaired)
            return 0;
        double deliver = 1.0;
        if (_nodeLoss is not null)
            deliver *= (1 - _nodeLoss[from]) * (1 - _nodeLoss[to]);
        if (IsBadPath(from, to))
            deliver *= 1 - Options.BadPathRate;
        return 1 - deliver;
    }

    /// <summary>Whether the pair's path is a bad one: a hash of the unordered pair and the seed, O(1) memory.</summary>
    public bool IsBadPath(int a, int b)
    {
        if (Options.BadPathFraction <= 0 || a == b)
            return false;
        ulong pair = ((ulong)(uint)Math.Min(a, b) << 32) | (uint)Math.Max(a, b);
        ulong state = _pathSeed ^ pair;
        return SplitMix64.NextDouble(ref state) < Options.BadPathFraction;
    }

    public long OneWayMicros(int from, int to) => _topology.OneWayMicros(from, to);

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
        bytes += OverheadBytes;
        ref Link sender = ref _links[from];
        long start = Math.Max(now, sender.UplinkFreeAt);
        double attempts = Options.IsImpaired ? Attempts(PacketLoss(from, to), bytes) : 1;
        long sent = start + (long)Math.Ceiling(attempts * bytes / sender.UplinkBytesPerMicro);
        sender.UplinkFreeAt = sent;
        if (_lossRate > 0 && SplitMix64.NextDouble(ref _lossRandom) < _lossRate)
            return -1;
        long reaches = sent + _topology.OneWayMicros(from, to);
        if (attempts > 1)
            reaches += 2 * _topology.OneWayMicros(from, to); // the last retransmission waits for the loss to be noticed
        ref Link receiver = ref _links[to];
        long service = (long)Math.Ceiling(bytes / receiver.DownlinkBytesPerMicro);
        long received;
        if (reaches >= receiver.DownlinkFreeAt)
        {
            _gaps.Add(ref receiver.Gaps, now, Math.Max(now, receiver.DownlinkFreeAt), reaches); // idle until it comes: a message that comes sooner may use it
            received = reaches + service;
            receiver.DownlinkFreeAt = received;
        }
        else if ((received = _gaps.Fit(ref receiver.Gaps, now, reaches, service)) < 0)
        {
            received = receiver.DownlinkFreeAt + service;
            receiver.DownlinkFreeAt = received;
        }

        return received;
    }

    /// <summary>
    /// Transmissions per packet, averaged over the message's packets, each retried until it arrives (geometric): an
    /// exact draw for a few packets, the normal approximation of the negative binomial for many.
    /// </summary>
    private double Attempts(double loss, int bytes)
    {
        if (loss <= 0)
            return 1;
        int packets = Math.Max(1, (bytes + PacketBytes - 1) / PacketBytes);
        double extra;
        if (packets <= 32)
        {
            extra = 0;
            for (int i = 0; i < packets; i++)
            {
                while (SplitMix64.NextDouble(ref _retransmitRandom) < loss)
                    extra++;
            }
        }
        else
        {
            double mean = packets * loss / (1 - loss);
            double sd = Math.Sqrt(packets * loss) / (1 - loss);
            double u1 = Math.Max(SplitMix64.NextDouble(ref _retransmitRandom), 1e-12);
            double u2 = SplitMix64.NextDouble(ref _retransmitRandom);
            double normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            extra = Math.Max(0, mean + (sd * normal));
        }

        return 1 + (extra / packets);
    }

    /// <summary>Payload bytes of one datagram of a bulk transfer (an MTU less headers).</summary>
    public const int PacketBytes = 1400;

    /// <summary>A node's two links: when each is next free, its speed, and its downlink's idle stretches ahead (<see cref="DownlinkGaps.Slot"/>).</summary>
    private struct Link
    {
        public long UplinkFreeAt;
        public long DownlinkFreeAt;
        public float UplinkBytesPerMicro;
        public float DownlinkBytesPerMicro;
        public DownlinkGaps.Slot Gaps;
    }

    private static double Draw((double Min, double Max) range, ref ulong random)
        => range.Min + ((range.Max - range.Min) * SplitMix64.NextDouble(ref random));
}
