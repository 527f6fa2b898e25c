using System.Diagnostics;
using Totoro.Core.Overlay;
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

    private readonly OverlaySimConfig _config;
    private readonly SimWorld _world;
    private readonly PastryNode?[] _nodes;
    private readonly int[] _joined;
    private readonly LookupStats _lookups;
    private readonly Func<int, NodeId, IOverlayListener, (INodeProgram Program, PastryNode Overlay)>? _programFactory;
    private ulong _random;
    private int _joinedCount;
    private int _lookupsIssued;
    private RingOracle? _oracle;

    /// <param name="config">The overlay to build and the lookups to route.</param>
    /// <param name="programFactory">
    /// Makes the program that runs on a node (for example a forest node wrapping its Pastry node), given the node's
    /// index, id and the scenario as the overlay listener to pass upcalls to; null runs bare Pastry nodes.
    /// </param>
    public OverlayScenario(OverlaySimConfig config, Func<int, NodeId, IOverlayListener, (INodeProgram Program, PastryNode Overlay)>? programFactory = null)
    {
        _programFactory = programFactory;
        IReadOnlyList<string> problems = config.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(config));
        _config = config;
        ITopology topology = new FlatTopology(config.Nodes);
        _world = new SimWorld(config.Nodes, topology, config.Network, config.Seed) { ControlHandler = OnControl };
        _nodes = new PastryNode?[config.Nodes];
        _joined = new int[config.Nodes];
        _lookups = new LookupStats(config.Lookups);
        _random = SplitMix64.Derive(config.Seed, 0x5ce7a);
        for (int i = 0; i < config.Nodes; i++)
            _world.AddNode(NodeId.FromRandom(SplitMix64.Next(ref _random), SplitMix64.Next(ref _random)));
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
        _oracle = new RingOracle(Enumerable.Range(0, _joinedCount)
            .Select(i => _joined[i])
            .Where(_world.IsAlive)
            .Select(i => (_world.IdAt(i), i)));
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
        PastryNode node;
        if (_programFactory is null)
        {
            node = new PastryNode(_world, _world.IdAt(index), _config.Pastry, this);
            _world.Attach(index, node);
        }
        else
        {
            (INodeProgram program, node) = _programFactory(index, _world.IdAt(index), this);
            _world.Attach(index, program);
        }

        _nodes[index] = node;
        PeerHandle bootstrap = ChooseBootstrap(index);
        _world.Enter(index);
        node.Start(bootstrap);

        int next = index + 1;
        if (next < _config.Nodes)
        {
            // Each member admits joiners at a fixed rate, so the overlay grows exponentially.
            long gap = Math.Max(1, (long)(1_000_000 / (_config.JoinRatePerNode * next)));
            _world.ScheduleControl(_world.Now + gap, JoinControl, next);
        }
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
        _lookupsIssued++;
        if (number + 1 < _config.Lookups)
            _world.ScheduleControl(_world.Now + _config.LookupIntervalMicros, LookupControl, number + 1);
        if (!_world.IsAlive(origin))
            return;
        _world.Enter(origin);
        _nodes[origin]!.Lookup(key);
    }

    // ---- Overlay upcalls ------------------------------------------------------------------------------

    public void OnJoined(PastryNode node) => _joined[_joinedCount++] = _world.Current;

    public void OnDeliver(PastryNode node, PeerHandle from, in Message message)
    {
        if (message.Kind != MessageKind.Lookup)
            return;
        int at = _world.Current;
        int origin = message.Origin.Index;
        bool correct = _oracle is not null && _oracle.Closest(message.Key) == at;
        long latency = _world.Now - message.Stamp;
        long direct = _world.Topology.OneWayMicros(origin, at);
        _lookups.Record(message.Hops, latency, direct, correct);
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
            MeanStretch: Round(_lookups.MeanStretch));
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
        return new SimReport(overlay, network, run);
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
