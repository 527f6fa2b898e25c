using System.Buffers.Binary;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Baselines;

/// <summary>
/// The EuroSys setting the advertise–discover tree replaces: an outside discovery service. One directory node (a
/// node apart, index N, on the same topology and link model) that every node registers with at start and then
/// polls once a period with the catalogue version it holds; the directory answers with the advertisements it has
/// not seen. An app's creator sends its advertisement to the directory and sends it again until acknowledged.
/// Every exchange is a message over the simulated network (the forest's app-layer messages, so sizes match).
/// </summary>
public sealed class DirectoryDiscoveryWorld : IDiscoveryWorld
{
    private const int PollTimer = 1;
    private const byte Register = 1, RegisterAck = 2, Poll = 3, Answer = 4, AdvertiseTag = 5, AdvertiseAck = 6;
    private const long RegisterWindowMicros = 10_000_000;
    private const long LastAckMicros = 1_000_000; // a round trip's bound: the last registration's ack is in

    private readonly int _nodes;
    private readonly long _periodMicros;
    private readonly int[] _participants;
    private readonly Member[] _members;
    private readonly DirectoryNode _directory;

    public DirectoryDiscoveryWorld(OverlaySimConfig overlay, double pollPeriodSeconds)
    {
        _nodes = overlay.Nodes;
        _periodMicros = (long)(pollPeriodSeconds * 1e6);
        World = new SimWorld(_nodes + 1, TopologyKinds.Create(overlay.Topology, _nodes + 1), overlay.Network, SplitMix64.Derive(overlay.Seed, 0xd1ec7));
        _participants = [.. Enumerable.Range(0, _nodes)];
        _members = new Member[_nodes];
        var directory = new PeerHandle(_nodes);
        for (int i = 0; i <= _nodes; i++)
        {
            int index = World.AddNode(NodeId.FromRandom((ulong)i, overlay.Seed));
            if (i < _nodes)
                World.Attach(index, _members[i] = new Member(this, directory));
        }

        _directory = new DirectoryNode(World);
        World.Attach(_nodes, _directory);
    }

    public SimWorld World { get; }

    public IReadOnlyList<int> Participants => _participants;

    public DiscoveryLog Log { get; } = new();

    /// <summary>Polls the directory has answered.</summary>
    public long PollsAnswered => _directory.Polls;

    /// <summary>Nodes registered with the directory.</summary>
    public int Registrations => _directory.Registered.Count;

    public long PollPeriodMicros => _periodMicros;

    public void Build(Action<SimProgress>? progress)
    {
    }

    /// <summary>Every node registers, one after another over a window; from its end each polls once a period, from a random phase.</summary>
    public void Join()
    {
        long start = World.Now;
        for (int i = 0; i < _nodes; i++)
        {
            World.RunUntil(start + (RegisterWindowMicros * i / _nodes));
            World.Enter(i);
            World.Send(new PeerHandle(_nodes), Wire(Register, Bytes(World.IdAt(i))));
            long firstPoll = start + RegisterWindowMicros + LastAckMicros - World.Now; // polls begin once everyone has registered
            World.SetTimer(firstPoll + 1 + (long)(World.NextRandom() % (ulong)_periodMicros), PollTimer);
        }

        World.RunUntil(start + RegisterWindowMicros + LastAckMicros);
    }

    public int Hub() => _nodes;

    public void Advertise(int creator, Advertisement advertisement)
    {
        World.Enter(creator);
        World.Send(new PeerHandle(_nodes), Wire(AdvertiseTag, advertisement.Encode()));
    }

    public bool Confirmed(int creator, NodeId app) => _members[creator].Acknowledged.Contains(app);

    public IReadOnlySet<NodeId> Known(int node) => _members[node].Known;

    private Message Wire(byte tag, byte[] body) => TreeMessages.AppDirect(tag, World.Now, Payload.FromData(body));

    private static byte[] Bytes(NodeId id)
    {
        var bytes = new byte[16];
        id.WriteBytes(bytes);
        return bytes;
    }

    /// <summary>A participant: registers, polls with the number of advertisements it holds, keeps what comes back.</summary>
    private sealed class Member(DirectoryDiscoveryWorld owner, PeerHandle directory) : INodeProgram
    {
        private int _version;

        public HashSet<NodeId> Known { get; } = [];

        public HashSet<NodeId> Acknowledged { get; } = [];

        public void Receive(PeerHandle from, in Message message)
        {
            if (from != directory || message.Payload?.Data is not { } body)
                return;
            switch (message.Row)
            {
                case Answer when body.Length >= 4:
                    _version = Math.Max(_version, BinaryPrimitives.ReadInt32BigEndian(body));
                    for (int at = 4; at + 2 <= body.Length;)
                    {
                        int length = BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(at));
                        if (at + 2 + length > body.Length)
                            break;
                        if (Advertisement.TryDecode(body.AsSpan(at + 2, length), out Advertisement? advertisement, out _) && Known.Add(advertisement!.App))
                            owner.Log.Record(advertisement.App, owner.World.Current, owner.World.Now);
                        at += 2 + length;
                    }

                    break;
                case AdvertiseAck when body.Length == 16:
                    Acknowledged.Add(NodeId.FromBytes(body));
                    break;
                default:
                    break;
            }
        }

        public void OnTimer(int timer, long argument)
        {
            var version = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(version, _version);
            owner.World.Send(directory, owner.Wire(Poll, version));
            owner.World.SetTimer(owner._periodMicros, PollTimer);
        }
    }

    /// <summary>The directory: who registered, the advertisements in order of arrival, and an answer to every poll.</summary>
    private sealed class DirectoryNode(SimWorld world) : INodeProgram
    {
        private readonly List<byte[]> _advertisements = [];
        private readonly HashSet<NodeId> _apps = [];

        public HashSet<int> Registered { get; } = [];

        public long Polls { get; private set; }

        public void Receive(PeerHandle from, in Message message)
        {
            if (message.Payload?.Data is not { } body)
                return;
            switch (message.Row)
            {
                case Register:
                    Registered.Add(from.Index);
                    world.Send(from, TreeMessages.AppDirect(RegisterAck, world.Now, Payload.FromData([1])));
                    break;
                case AdvertiseTag when Advertisement.TryDecode(body, out Advertisement? advertisement, out _):
                    if (_apps.Add(advertisement!.App))
                        _advertisements.Add(body);
                    world.Send(from, TreeMessages.AppDirect(AdvertiseAck, world.Now, Payload.FromData(Bytes(advertisement.App))));
                    break;
                case Poll when body.Length == 4:
                    Polls++;
                    world.Send(from, TreeMessages.AppDirect(Answer, world.Now, Payload.FromData(Since(BinaryPrimitives.ReadInt32BigEndian(body)))));
                    break;
                default:
                    break;
            }
        }

        public void OnTimer(int timer, long argument)
        {
        }

        /// <summary>The catalogue's version, then every advertisement after <paramref name="version"/> (u16 length + bytes).</summary>
        private byte[] Since(int version)
        {
            int from = Math.Clamp(version, 0, _advertisements.Count);
            int size = 4;
            for (int i = from; i < _advertisements.Count; i++)
                size += 2 + _advertisements[i].Length;
            var body = new byte[size];
            BinaryPrimitives.WriteInt32BigEndian(body, _advertisements.Count);
            int at = 4;
            for (int i = from; i < _advertisements.Count; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(at), (ushort)_advertisements[i].Length);
                _advertisements[i].CopyTo(body, at + 2);
                at += 2 + _advertisements[i].Length;
            }

            return body;
        }
    }
}
