using System.Diagnostics;
using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;
using Totoro.Sim.Network;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Builds a Pastry overlay of N nodes by message-level joins, lets the leaf-set protocol settle, then routes K
/// lookups from random live nodes to random keys and checks each against the brute-force oracle.
/// </summary>
public sealed class OverlayScenario : IOverlayListener
{
    private const int JoinControl = 1;
    private const int LookupControl = 2;
    private const long SliceMicros = 1_000_000;
    private const int BootstrapCandidates = 4;
    private const int LandmarkCandidatesPerZone = 16;

    private readonly OverlaySimConfig _config;
    private PastryOptions? _nodePastry;
    private readonly SimWorld _world;
    private readonly PastryNode?[] _nodes;
    private readonly int[] _joined;
    private readonly LookupStats _lookups;
    private readonly Func<int, NodeId, IOverlayListener, (INodeProgram Program, PastryNode Overlay)>? _programFactory;
    private ulong _random;
    private int _joinedCount;
    private int _lookupsIssued;
    private RingOracle? _oracle;

    // Multi-ring state (DESIGN §5, docs/rings.md); with one zone none of it changes the run.
    private readonly ZoneMap _zoneMap;
    private readonly ZonePolicy? _zonePolicy;
    private readonly int[] _landmarks = [];
    private readonly LookupStats _zoneLocal;
    private readonly LookupStats _crossZone;
    private readonly LookupStats _global;
    private readonly HashSet<(int Origin, long Stamp)> _leaked = [];
    private RingOracle[] _zoneOracles = [];
    private long _interZoneMessages;


    /// <param name="config">The overlay to build and the lookups to route.</param>
    /// <param name="programFactory">
    /// Makes the program that runs on a node (for example a forest node wrapping its Pastry node), given the node's
    /// index, id and the scenario as the overlay listener to pass upcalls to; null runs bare Pastry nodes.
    /// </param>
    /// <param name="spareSlots">Extra node slots, each with its own random id, for nodes that join later (churn).</param>
    public OverlayScenario(OverlaySimConfig config, Func<int, NodeId, IOverlayListener, (INodeProgram Program, PastryNode Overlay)>? programFactory = null, int spareSlots = 0)
    {
        _programFactory = programFactory;
        IReadOnlyList<string> problems = config.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(config));
        _config = config;
        int capacity = config.Nodes + Math.Max(0, spareSlots);
        ITopology topology = TopologyKinds.Create(config.Topology, capacity);
        _world = new SimWorld(capacity, topology, config.Network, config.Seed) { ControlHandler = OnControl, CodecCheck = config.CodecCheck };
        _nodes = new PastryNode?[capacity];
        _joined = new int[capacity];
        _lookups = new LookupStats(config.Lookups);
        _zoneLocal = new LookupStats(0);
        _crossZone = new LookupStats(0);
        _global = new LookupStats(0);
        _random = SplitMix64.Derive(config.Seed, 0x5ce7a);
        _zoneMap = new ZoneMap(config.Zones);
        for (int i = 0; i < capacity; i++)
            _world.AddNode(NodeId.FromRandom(SplitMix64.Next(ref _random), SplitMix64.Next(ref _random)));
        if (config.Zones > 1)
        {
            _landmarks = BinIntoZones();
            _zonePolicy = new ZonePolicy(_zoneMap);
            foreach (int zone in config.IsolatedZones)
                _zonePolicy.Isolate(zone);
            _world.OnSend = ObserveSend;
        }
    }

    /// <summary>
    /// Distributed binning: M landmarks spread over the topology, each node measures its RTT to them and joins the
    /// nearest one's zone; its id becomes that zone's prefix followed by the random id's low bits.
    /// </summary>
    private int[] BinIntoZones()
    {
        // Landmark candidates: a random sample of the nodes (LandmarkCandidatesPerZone per zone, repeats harmless).
        ulong sampling = SplitMix64.Derive(_config.Seed, 0x1a4d);
        int[] candidates = new int[Math.Min(_config.Nodes, LandmarkCandidatesPerZone * _config.Zones)];
        for (int k = 0; k < candidates.Length; k++)
            candidates[k] = candidates.Length == _config.Nodes ? k : SplitMix64.NextInt(ref sampling, _config.Nodes);
        int[] landmarks = DistributedBinning.SpreadLandmarks(_config.Zones, candidates, _world.RoundTripMicros);
        Span<long> rtts = stackalloc long[landmarks.Length];
        for (int i = 0; i < _config.Nodes; i++)
        {
            for (int k = 0; k < landmarks.Length; k++)
                rtts[k] = _world.RoundTripMicros(i, landmarks[k]);
            _world.Rename(i, _zoneMap.Compose(DistributedBinning.Bin(rtts), _world.IdAt(i)));
        }

        return landmarks;
    }

    public ZoneMap ZoneMap => _zoneMap;

    public ZonePolicy? ZonePolicy => _zonePolicy;

    public int ZoneOfNode(int index) => _zoneMap.ZoneOf(_world.IdAt(index));

    /// <summary>The oracle's answer under the zone rule: closest in the key's zone for zone-local routes, on the ring otherwise.</summary>
    public int Expected(NodeId key, RouteScope scope)
    {
        if (scope == RouteScope.Global || _zoneMap.PrefixBits == 0)
            return Oracle.Closest(key);
        RingOracle zone = _zoneOracles[_zoneMap.ZoneOf(key)];
        return zone.Count == 0 ? -1 : zone.Closest(key);
    }

    private void ObserveSend(int from, int to, in Message message)
    {
        int toZone = ZoneOfNode(to);
        if (ZoneOfNode(from) != toZone)
            _interZoneMessages++;
        if (message.Kind == MessageKind.Lookup && (message.Flags & MessageFlags.ZoneLocal) != 0 && _zoneMap.ZoneOf(message.Key) != toZone)
            _leaked.Add((message.Origin.Index, message.Stamp));
    }

    public SimWorld World => _world;

    public PastryNode? Node(int index) => _nodes[index];

    public RingOracle Oracle => _oracle ?? throw new InvalidOperationException("The oracle exists once the overlay has settled.");

    /// <summary>Runs the whole scenario and reports. <paramref name="progress"/> hears about every simulated second.</summary>
    public SimReport Run(Action<SimProgress>? progress = null)
    {
        var wall = Stopwatch.StartNew();
        BuildOverlay(progress);
        Settle(_config.SettlePeriods);
        RunLookups(progress);
        wall.Stop();
        return Report(wall.Elapsed.TotalSeconds);
    }

    /// <summary>The joined nodes, in join order.</summary>
    public ReadOnlySpan<int> JoinedNodes => _joined.AsSpan(0, _joinedCount);

    /// <summary>Joins every node by messages; returns when all have joined (or joins stop making progress).</summary>
    public void BuildOverlay(Action<SimProgress>? progress = null)
    {
        _world.ScheduleControl(0, JoinControl, 0);
        long t = 0;
        long stalledSince = 0;
        int lastJoined = -1;
        while (_joinedCount < _config.Nodes && _world.PendingEvents > 0)
        {
            t += SliceMicros;
            _world.RunUntil(t);
            progress?.Invoke(new SimProgress("joining", _joinedCount, _config.Nodes));
            if (_joinedCount != lastJoined)
            {
                lastJoined = _joinedCount;
                stalledSince = t;
            }
            else if (t - stalledSince > 10 * _config.Pastry.JoinTimeoutMicros)
            {
                break;
            }
        }
    }

    /// <summary>Runs the leaf-set protocol for the given number of ping periods, then snapshots the oracle.</summary>
    public void Settle(int periods)
    {
        _world.RunUntil(_world.Now + (periods * _config.Pastry.LeafSetPingPeriodMicros));
        RefreshOracle();
    }

    /// <summary>Rebuilds the oracle from the nodes alive and joined now.</summary>
    public void RefreshOracle()
    {
        int alive = 0;
        for (int k = 0; k < _joinedCount; k++)
            alive += _world.IsAlive(_joined[k]) ? 1 : 0;
        var ids = new UInt128[alive];
        var nodes = new int[alive];
        for (int k = 0, n = 0; k < _joinedCount; k++)
        {
            int i = _joined[k];
            if (!_world.IsAlive(i))
                continue;
            ids[n] = _world.IdAt(i).Value;
            nodes[n++] = i;
        }

        _oracle = new RingOracle(ids, nodes);
        if (_zoneMap.PrefixBits == 0)
            return;
        var perZone = new List<(NodeId, int)>[_zoneMap.Zones];
        for (int z = 0; z < perZone.Length; z++)
            perZone[z] = [];
        for (int k = 0; k < _joinedCount; k++)
        {
            int i = _joined[k];
            if (_world.IsAlive(i))
                perZone[ZoneOfNode(i)].Add((_world.IdAt(i), i));
        }

        _zoneOracles = perZone.Select(list => new RingOracle(list)).ToArray();
    }

    public void RunLookups(Action<SimProgress>? progress = null)
    {
        if (_config.Lookups == 0 || _joinedCount == 0)
            return;
        long start = _world.Now + 1;
        _world.ScheduleControl(start, LookupControl, 0);
        long deadline = start + (_config.Lookups * _config.LookupIntervalMicros) + (30 * SliceMicros);
        long t = _world.Now;
        while (t < deadline && (_lookupsIssued < _config.Lookups || _lookups.Delivered < _lookupsIssued))
        {
            t += SliceMicros;
            _world.RunUntil(t);
            progress?.Invoke(new SimProgress("lookups", _lookups.Delivered, _config.Lookups));
        }
    }

    /// <summary>How many live nodes have exactly the leaf set the oracle says they should.</summary>
    public int CountExactLeafSets()
    {
        RingOracle oracle = Oracle;
        int half = _config.Pastry.LeafHalf;
        int exact = 0;
        for (int i = 0; i < _joinedCount; i++)
        {
            int index = _joined[i];
            if (!_world.IsAlive(index))
                continue;
            (int[] right, int[] left) = oracle.LeafSet(_world.IdAt(index), half);
            PastryNode node = _nodes[index]!;
            if (SameMembers(node.RightLeaves(), right) && SameMembers(node.LeftLeaves(), left))
                exact++;
        }

        return exact;
    }

    // ---- Control events ---------------------------------------------------------------------------------

    private void OnControl(int code, long argument)
    {
        switch (code)
        {
            case JoinControl:
                StartJoin((int)argument);
                break;
            case LookupControl:
                IssueLookup((int)argument);
                break;
            default:
                throw new InvalidOperationException($"Unknown control code {code}.");
        }
    }

    private void StartJoin(int index)
    {
        JoinNode(index, ChooseBootstrap(index));
        int next = index + 1;
        if (next < _config.Nodes)
        {
            // Each member admits joiners at a fixed rate, so the overlay grows exponentially.
            long gap = Math.Max(1, (long)(1_000_000 / (_config.JoinRatePerNode * next)));
            _world.ScheduleControl(_world.Now + gap, JoinControl, next);
        }
    }

    /// <summary>Gives slot <paramref name="index"/> its program and starts its join through <paramref name="bootstrap"/> (churn: a node arriving later).</summary>
    public void JoinNode(int index, PeerHandle bootstrap)
    {
        PastryNode node;
        if (_programFactory is null)
        {
            node = new PastryNode(_world, _world.IdAt(index), _nodePastry ??= _config.NodePastry(), this) { Zones = _zonePolicy };
            _world.Attach(index, node);
        }
        else
        {
            (INodeProgram program, node) = _programFactory(index, _world.IdAt(index), this);
            node.Zones = _zonePolicy;
            _world.Attach(index, program);
        }

        _nodes[index] = node;
        _world.Enter(index);
        node.Start(bootstrap);
    }

    /// <summary>A joiner knows a few members; like Pastry it bootstraps through the closest one it knows.</summary>
    private PeerHandle ChooseBootstrap(int joiner)
    {
        if (_joinedCount == 0)
            return PeerHandle.None;
        int best = -1;
        long bestRtt = long.MaxValue;
        for (int k = 0; k < BootstrapCandidates; k++)
        {
            int candidate = _joined[SplitMix64.NextInt(ref _random, _joinedCount)];
            if (!_world.IsAlive(candidate))
                continue;
            long rtt = _world.RoundTripMicros(joiner, candidate);
            if (rtt < bestRtt)
            {
                bestRtt = rtt;
                best = candidate;
            }
        }

        return best < 0 ? PeerHandle.None : new PeerHandle(best);
    }

    private void IssueLookup(int number)
    {
        int origin = _joined[SplitMix64.NextInt(ref _random, _joinedCount)];
        var key = NodeId.FromRandom(SplitMix64.Next(ref _random), SplitMix64.Next(ref _random));
        RouteScope scope = RouteScope.Global;
        double zoneLocalFraction = _config.EffectiveZoneLocalFraction;
        if (zoneLocalFraction > 0 && SplitMix64.NextDouble(ref _random) < zoneLocalFraction)
        {
            // A key of an app confined to the origin's site: the origin's zone prefix, a random suffix.
            scope = RouteScope.ZoneLocal;
            key = _zoneMap.Compose(ZoneOfNode(origin), key);
        }

        _lookupsIssued++;
        if (number + 1 < _config.Lookups)
            _world.ScheduleControl(_world.Now + _config.LookupIntervalMicros, LookupControl, number + 1);
        if (!_world.IsAlive(origin))
            return;
        _world.Enter(origin);
        if (scope == RouteScope.Global)
            _nodes[origin]!.Lookup(key);
        else
            _nodes[origin]!.Lookup(key, scope);
    }

    // ---- Overlay upcalls ------------------------------------------------------------------------------

    public void OnJoined(PastryNode node)
    {
        _joined[_joinedCount++] = _world.Current;
        Joined?.Invoke(_world.Current);
    }

    /// <summary>Hears every node that completes its join (churn keeps its live ring with it).</summary>
    public Action<int>? Joined { get; set; }

    /// <summary>Hears every delivered lookup: the node it ended at and the message (tests check routes with it).</summary>
    public Action<int, Message>? LookupDelivered { get; set; }

    public void OnDeliver(PastryNode node, PeerHandle from, in Message message)
    {
        if (message.Kind != MessageKind.Lookup)
            return;
        int at = _world.Current;
        LookupDelivered?.Invoke(at, message);
        int origin = message.Origin.Index;
        bool zoneLocal = (message.Flags & MessageFlags.ZoneLocal) != 0;
        RouteScope scope = zoneLocal ? RouteScope.ZoneLocal : RouteScope.Global;
        bool correct = _oracle is not null && Expected(message.Key, scope) == at;
        long latency = _world.Now - message.Stamp;
        long direct = _world.Topology.OneWayMicros(origin, at);
        _lookups.Record(message.Hops, latency, direct, correct);
        if (zoneLocal)
        {
            _zoneLocal.Record(message.Hops, latency, direct, correct);
            if (ZoneOfNode(at) != _zoneMap.ZoneOf(message.Key))
                _leaked.Add((origin, message.Stamp));
        }
        else
        {
            _global.Record(message.Hops, latency, direct, correct);
            if (_zoneMap.ZoneOf(message.Key) != ZoneOfNode(origin))
                _crossZone.Record(message.Hops, latency, direct, correct);
        }
    }

    // ---- Report --------------------------------------------------------------------------------------------

    public SimReport Report(double wallSeconds)
    {
        long routingEntries = 0;
        for (int i = 0; i < _joinedCount; i++)
            routingEntries += CountRoutingEntries(_nodes[_joined[i]]!);
        int b = _config.Pastry.B;
        var overlay = new OverlaySection(
            Nodes: _config.Nodes,
            B: b,
            LeafSet: _config.Pastry.LeafSetSize,
            JoinedNodes: _joinedCount,
            LeafSetsExact: CountExactLeafSets(),
            MeanRoutingEntries: Round(_joinedCount == 0 ? 0 : (double)routingEntries / _joinedCount),
            Lookups: _lookupsIssued,
            Delivered: _lookups.Delivered,
            Correct: _lookups.Correct,
            MeanHops: Round(_lookups.MeanHops),
            P99Hops: _lookups.HopsPercentile(0.99),
            MaxHops: _lookups.MaxHops,
            LogBaseN: Round(Math.Log(_config.Nodes) / Math.Log(1 << b)),
            MeanLatencyMs: Round(_lookups.MeanLatencyMicros / 1000),
            MeanStretch: Round(_lookups.MeanStretch),
            Zones: _config.Zones,
            InterZoneMessages: _interZoneMessages,
            ZoneLocalLookups: _zoneLocal.Delivered,
            ZoneLeaks: _leaked.Count,
            RefusedMessages: _zonePolicy?.Refused ?? 0);
        var network = new NetworkSection(_world.Topology.Name, _world.MessagesSent, _world.BytesSent, _world.MessagesLost, _world.MessagesToDeadNodes);
        long peak = PeakMemory.Bytes();
        var run = new RunSection(
            Seed: _config.Seed,
            SimulatedSeconds: Round(_world.Now / 1e6),
            Events: _world.EventsProcessed,
            WallSeconds: Round(wallSeconds),
            EventsPerSecond: Math.Round(_world.EventsProcessed / Math.Max(wallSeconds, 1e-9)),
            PeakMemoryBytes: peak,
            BytesPerNode: Math.Round((double)peak / _config.Nodes, 1));
        return new SimReport(overlay, network, run, RingsReport());
    }

    private RingsSection RingsReport()
    {
        int n = _config.Nodes;
        var zoneOf = new int[n];
        for (int i = 0; i < n; i++)
            zoneOf[i] = ZoneOfNode(i);
        (ZoneRow[] rows, double? match, double meanIntra) = ZoneGeometry.Measure(_world, zoneOf, _config.Zones, _world.Topology as IRegionTopology, _config.Seed);
        double logN = Math.Log(n) / Math.Log(1 << _config.Pastry.B);
        return new RingsSection(
            Zones: _config.Zones,
            PrefixBits: _zoneMap.PrefixBits,
            Landmarks: _landmarks,
            RegionMatchFraction: match,
            MeanIntraZoneRttMs: meanIntra,
            CrossZoneHopBound: Round(Math.Max(1, _zoneMap.PrefixBits) * logN),
            ZoneLocal: LookupGroup.From(_zoneLocal),
            CrossZone: LookupGroup.From(_crossZone),
            Global: LookupGroup.From(_global),
            ZoneTable: rows);
    }

    private static int CountRoutingEntries(PastryNode node)
    {
        int n = 0;
        int columns = node.Options.Columns;
        for (int r = 0; r < node.RoutingRows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                if (!node.RoutingEntry(r, c).IsNone)
                    n++;
            }
        }

        return n;
    }

    private static bool SameMembers(PeerHandle[] actual, int[] expected)
    {
        if (actual.Length != expected.Length)
            return false;
        for (int i = 0; i < actual.Length; i++)
        {
            if (actual[i].Index != expected[i])
                return false;
        }

        return true;
    }

    private static double Round(double value) => Math.Round(value, 4);
}
