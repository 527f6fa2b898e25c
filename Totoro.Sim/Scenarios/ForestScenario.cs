using System.Diagnostics;
using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Builds the overlay with forest nodes, then: A apps each get S random subscribers (message-level Scribe joins);
/// every root broadcasts a B-byte model at the same instant (dissemination); once all have it, every subscriber
/// contributes at the same instant and the trees merge on the way up (aggregation). Reports tree shapes, both
/// times per app, roots per node, per-node traffic and, with real vectors, the error against a flat average.
/// </summary>
public sealed class ForestScenario : IForestApp
{
    private const long SliceMicros = 100_000;
    private const long PhaseLimitMicros = 600_000_000;
    private const long SubscribeWindowMicros = 10_000_000;

    private readonly OverlaySimConfig _overlayConfig;
    private readonly ForestSimConfig _config;
    private readonly OverlayScenario _overlay;
    private readonly ForestNode?[] _forest;
    private readonly Dictionary<NodeId, AppRun> _apps = [];
    private readonly HashSet<(int Node, int App, int Round)> _delivered = [];
    private ulong _random;
    private int _attached;
    private int _duplicates;
    private IForestApp? _lastOwn;
    private IForestApp? _lastObserved;

    /// <param name="spareSlots">Extra node slots for nodes that join later (churn during training).</param>
    public ForestScenario(OverlaySimConfig overlay, ForestSimConfig forest, int spareSlots = 0)
    {
        IReadOnlyList<string> problems = forest.Validate(overlay.Nodes);
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(forest));
        _overlayConfig = overlay;
        _config = forest;
        _forest = new ForestNode?[overlay.Nodes + Math.Max(0, spareSlots)];
        _random = SplitMix64.Derive(overlay.Seed, 0xf0e57);
        PastryOptions pastry = overlay.NodePastry();
        ModelledBroadcastSeal? seal = overlay.Network.BroadcastSealBytes > 0 ? new ModelledBroadcastSeal(overlay.Network.BroadcastSealBytes) : null;
        _overlay = new OverlayScenario(overlay, (index, id, listener) =>
        {
            IForestApp app = NodeApp?.Invoke(index) is { } own ? Observed(own) : this;
            var node = new ForestNode(World, id, pastry, Hooks, app, listener) { BroadcastSeal = seal };
            if (forest.Planning is { IsStatic: false } planning)
                node.UsePlanning(planning);
            _forest[index] = node;
            return (node, node.Overlay);
        }, spareSlots);
    }

    public SimWorld World => _overlay.World;

    public OverlayScenario Overlay => _overlay;

    public int Fanout => _config.Fanout > 0 ? _config.Fanout : 1 << _overlayConfig.Pastry.B;

    public ForestNode Node(int index) => _forest[index]!;

    /// <summary>A node's own app behind the world's observer; one wrapper serves every node that shares one app object.</summary>
    private IForestApp Observed(IForestApp own)
    {
        if (!ReferenceEquals(_lastOwn, own))
        {
            _lastOwn = own;
            _lastObserved = new ObservedApp(this, own);
        }

        return _lastObserved!;
    }

    public SimReport Run(Action<SimProgress>? progress = null)
    {
        var wall = Stopwatch.StartNew();
        _overlay.BuildOverlay(progress);
        _overlay.Settle(_overlayConfig.SettlePeriods);
        _overlay.RunLookups(progress);
        ForestSection forest = RunForest(progress);
        wall.Stop();
        SimReport report = _overlay.Report(wall.Elapsed.TotalSeconds);
        return report with { Forest = forest };
    }

    /// <summary>Creates the apps, subscribes, broadcasts, aggregates. The overlay must be built.</summary>
    public ForestSection RunForest(Action<SimProgress>? progress = null)
    {
        Subscribe(progress);
        Disseminate(progress);
        AggregateAll(progress);
        return Report();
    }

    /// <summary>Phase 1: creates the apps and subscribes their workers (joins spread over 10 s).</summary>
    public void Subscribe(Action<SimProgress>? progress = null)
    {
        CreateAndSubscribe(progress);
        World.ResetPerNodeTraffic();
    }

    /// <summary>
    /// Phase 4 (Fig. 7): with no round running, lets the trees keep themselves alive for a warm-up, then counts for
    /// <paramref name="windowMicros"/> what each node sends and receives to keep the overlay and its trees alive; and
    /// simulates a central server's keep-alive sessions for the same apps and workers beside it.
    /// </summary>
    public MaintenanceSection MeasureMaintenance(long windowMicros, long warmupMicros)
    {
        World.RunUntil(World.Now + warmupMicros);
        long keepAlives = 0, lists = 0, watch = 0;
        foreach (ForestNode? node in _forest)
        {
            keepAlives -= node?.KeepAlivesSent ?? 0;
            lists -= node?.KeepAliveLists ?? 0;
            watch -= node?.WatchKeepAlivesSent ?? 0;
        }

        var meter = new MaintenanceMeter(World);
        World.RunUntil(World.Now + windowMicros);
        meter.Stop();
        foreach (ForestNode? node in _forest)
        {
            keepAlives += node?.KeepAlivesSent ?? 0;
            lists += node?.KeepAliveLists ?? 0;
            watch += node?.WatchKeepAlivesSent ?? 0;
        }

        double seconds = windowMicros / 1e6;
        int live = _overlay.JoinedNodes.Length;
        var control = new double[live];
        var tree = new double[live];
        var overlay = new double[live];
        var treeMessages = new double[live];
        var sessions = new List<NodeId>[World.NodeCount];
        for (int i = 0; i < sessions.Length; i++)
            sessions[i] = [];
        for (int i = 0; i < live; i++)
        {
            int node = _overlay.JoinedNodes[i];
            tree[i] = meter.TreeBytes(node) / seconds;
            overlay[i] = meter.OverlayBytes(node) / seconds;
            control[i] = tree[i] + overlay[i];
            treeMessages[i] = meter.TreeMessages(node) / seconds;
        }

        foreach (AppRun app in _apps.Values.OrderBy(a => a.Number))
        {
            foreach (int s in app.Subscribers)
                sessions[s].Add(app.Id);
        }

        long period = (_config.TreeTimers ?? new TreeOptions()).HeartbeatPeriodMicros;
        var central = new Baselines.CentralKeepAliveRun(sessions, _overlayConfig.Network, period, _overlayConfig.Seed);
        (double serverBytes, double serverMessages, Distribution workers) = central.Measure(windowMicros);
        return new MaintenanceSection(
            WindowSeconds: seconds,
            ControlBytesPerSecond: Summarize(control),
            TreeBytesPerSecond: Summarize(tree),
            OverlayBytesPerSecond: Summarize(overlay),
            TreeMessagesPerSecond: Summarize(treeMessages),
            KeepAlivesSent: keepAlives,
            KeepAliveLists: lists,
            CentralServerBytesPerSecond: Math.Round(serverBytes, 1),
            CentralServerMessagesPerSecond: Math.Round(serverMessages, 2),
            CentralWorkerBytesPerSecond: workers)
        {
            ByKind = [.. meter.ByKind().Select(k => new KindTraffic(
                MessageKinds.IsRoutedLayer(k.Kind) || MessageKinds.IsDirectLayer(k.Kind) ? TreeKind.Name(k.Kind) + KeepAliveForm(k.Form) : k.Kind.ToString(),
                k.Messages, k.Bytes))],
            WatchKeepAlivesSent = watch,
        };
    }

    /// <summary>The batched keep-alive's forms by row (<see cref="KeepAliveView"/>), for the profile's names.</summary>
    private static string KeepAliveForm(int form) => form switch
    {
        < 0 => "",
        0 => " (keep-alive to a child)",
        KeepAliveView.RequestRow => " (a child's list request)",
        KeepAliveView.WatchRow => " (keep-alive to a watcher)",
        KeepAliveView.ParentDeadRow => " (parent-dead notice)",
        KeepAliveView.WatchRequestRow => " (a watcher's list request)",
        _ => $" (keep-alive form {form})",
    };

    /// <summary>The forest section for what has run so far.</summary>
    public ForestSection RunReport() => Report();

    // ---- Phases -----------------------------------------------------------------------------------------

    private void CreateAndSubscribe(Action<SimProgress>? progress)
    {
        ReadOnlySpan<int> joined = _overlay.JoinedNodes;
        int[] pool = joined.ToArray();
        Span<byte> key = stackalloc byte[16];
        for (int a = 0; a < _config.Apps; a++)
        {
            int creator = pool[SplitMix64.NextInt(ref _random, pool.Length)];
            World.IdAt(creator).WriteBytes(key); // stands in for the creator's public key
            NodeId id = AppId.Create($"app-{a}", key, _overlayConfig.Seed);
            int zone = _overlay.ZoneOfNode(creator);
            int[] candidates = pool;
            if (_config.ConfineToZone)
            {
                id = AppId.InZone(id, _overlay.ZoneMap, zone);
                candidates = pool.Where(n => _overlay.ZoneOfNode(n) == zone).ToArray();
                if (candidates.Length < _config.SubscribersPerApp)
                    throw new ArgumentException($"app-{a} is confined to zone {zone}, which has {candidates.Length} nodes: fewer than --subscribers-per-app {_config.SubscribersPerApp}.");
            }

            var descriptor = AppDescriptor.Default(id, $"app-{a}", Fanout) with
            {
                Rule = RuleForApp?.Invoke(a) ?? WeightedSumRule.Instance,
                Selector = SelectorForApp?.Invoke(a) ?? AllChildren.Instance,
                Policy = _config.TreePolicy,
                Scope = _config.ConfineToZone ? RouteScope.ZoneLocal : RouteScope.Global,
                Options = (_config.TreeTimers ?? new TreeOptions()) with { Fanout = Fanout, RoundDeadlineMicros = _config.RoundDeadlineMs * 1000L },
                Application = ApplicationForApp?.Invoke(a) ?? [],
            };
            byte[] wire = descriptor.Encode(); // nodes learn the app from these bytes, each binding its own hooks
            World.Enter(creator);
            Discover(creator, wire);

            // S distinct subscribers: a partial Fisher–Yates shuffle of the candidates.
            var subscribers = new int[_config.SubscribersPerApp];
            for (int i = 0; i < subscribers.Length; i++)
            {
                int j = i + SplitMix64.NextInt(ref _random, candidates.Length - i);
                (candidates[i], candidates[j]) = (candidates[j], candidates[i]);
                subscribers[i] = candidates[i];
            }

            _apps.Add(id, new AppRun(a, id, subscribers) { Zone = _config.ConfineToZone ? zone : -1, Descriptor = wire });
        }

        // Subscriptions arrive spread over a window, in random order, as they would in a deployment; a burst in
        // one microsecond would leave every tree node deciding on stale subtree heights.
        var order = new List<(NodeId App, int Node)>();
        foreach (AppRun app in _apps.Values)
        {
            foreach (int s in app.Subscribers)
                order.Add((app.Id, s));
        }

        for (int i = order.Count - 1; i > 0; i--)
        {
            int j = SplitMix64.NextInt(ref _random, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        long start = World.Now;
        for (int i = 0; i < order.Count; i++)
        {
            World.RunUntil(start + (SubscribeWindowMicros * i / order.Count));
            World.Enter(order[i].Node);
            Discover(order[i].Node, _apps[order[i].App].Descriptor); // as the advertise–discover tree would tell it
            _forest[order[i].Node]!.Subscribe(order[i].App);
        }

        long expected = (long)_config.Apps * _config.SubscribersPerApp;
        RunUntil(() => _attached >= expected, "subscribing", () => _attached, expected, progress);
        foreach (AppRun app in _apps.Values)
            app.Root = app.Zone < 0 ? _overlay.Oracle.Closest(app.Id) : RootAbove(app);
    }

    /// <summary>Phase 2: every root broadcasts the model; runs until every live subscriber has it (or the round deadline).</summary>
    public void Disseminate(Action<SimProgress>? progress = null)
    {
        long start = World.Now;
        foreach (AppRun app in _apps.Values)
        {
            app.BroadcastAt = start;
            World.Enter(app.Root);
            if (!_forest[app.Root]!.IsRootOf(app.Id))
                continue; // the oracle's node is not the root: counted as undelivered below
            app.Round = _forest[app.Root]!.Broadcast(app.Id, ModelPayload(app.Root, weight: 1));
        }

        long expected = _apps.Values.Sum(a => a.Subscribers.Count(World.IsAlive));
        long cutoff = _config.RoundDeadlineMs > 0 ? start + (_config.RoundDeadlineMs * 1000L) : long.MaxValue;
        RunUntil(() => _delivered.Count >= expected || World.Now >= cutoff, "broadcast", () => _delivered.Count, expected, progress);
    }

    /// <summary>Phase 3: every live subscriber contributes at once; runs until every root has closed its round.</summary>
    public void AggregateAll(Action<SimProgress>? progress = null)
    {
        long start = World.Now;
        foreach (AppRun app in _apps.Values)
        {
            app.AggregateAt = start;
            foreach (int s in app.Subscribers.Where(World.IsAlive))
            {
                World.Enter(s);
                // Contribution of worker s: weight = a sample count, vector = weight × its local model.
                double weight = 1 + (s % 7);
                _forest[s]!.Aggregate(app.Id, app.Round, ModelPayload(s, weight));
            }
        }

        RunUntil(() => _apps.Values.All(a => a.AggregatedAt >= 0), "aggregate", () => _apps.Values.Count(a => a.AggregatedAt >= 0), _apps.Count, progress);
    }

    /// <summary>Tells node <paramref name="node"/> of an app, as a discovery would: it decodes the descriptor with its own hooks.</summary>
    public void Discover(int node, byte[] descriptor)
    {
        if (!_forest[node]!.Discover(descriptor, out string? error))
            throw new InvalidOperationException($"node {node} cannot serve an app of this world: {error}");
    }

    private void RunUntil(Func<bool> done, string phase, Func<long> progressDone, long total, Action<SimProgress>? progress)
    {
        long deadline = World.Now + PhaseLimitMicros;
        while (!done() && World.Now < deadline && World.PendingEvents > 0)
        {
            World.RunUntil(World.Now + SliceMicros);
            progress?.Invoke(new SimProgress(phase, progressDone(), total));
        }
    }

    /// <summary>The root of a confined app's tree, found by climbing from a subscriber (the ring-wide oracle does not apply).</summary>
    private int RootAbove(AppRun app)
    {
        int node = app.Subscribers[0];
        for (int steps = 0; steps < 64 && _forest[node]!.TryGetTree(app.Id, out TreeInfo info); steps++)
        {
            if (info.IsRoot || info.Parent.IsNone)
                return node;
            node = info.Parent.Index;
        }

        return node;
    }

    /// <summary>The model (or an update: weight × a node's local model), real floats or size only.</summary>
    private Payload ModelPayload(int node, double weight)
    {
        if (!_config.RealVectors)
            return Payload.SizeOnly(_config.ModelBytes, weight);
        var vector = new float[_config.ModelBytes / 4];
        for (int i = 0; i < vector.Length; i++)
            vector[i] = (float)(weight * LocalValue(node, i));
        return Payload.FromVector(vector, weight);
    }

    /// <summary>A node's local model parameter i: small integers, so float sums are exact.</summary>
    private static int LocalValue(int node, int i) => ((node * 31) + (i * 17)) % 13 - 6;

    // ---- Callbacks (IForestApp) -----------------------------------------------------------------------

    public void OnAttached(ForestNode node, NodeId app) => _attached++;

    public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
    {
        if (!_apps.TryGetValue(app, out AppRun? run))
            return;
        if (!_delivered.Add((World.Current, run.Number, round)))
        {
            _duplicates++;
            return;
        }

        run.LastDelivery = Math.Max(run.LastDelivery, World.Now);
        Observer?.OnBroadcast(node, app, round, payload);
    }

    /// <summary>Watches every node's tree callbacks (recorders, audits); it must not act for a node.</summary>
    public IForestApp? Observer { get; set; }

    /// <summary>Node i's own app (its learning layer), made when the node is; it hears the node's callbacks after the observers.</summary>
    public Func<int, IForestApp?>? NodeApp { get; set; }

    /// <summary>How nodes bind the hook names of the descriptors they learn (default: the forest's own hooks).</summary>
    public ITreeHooks Hooks { get; set; } = TreeHooks.Default;

    /// <summary>What app i's descriptor says for the layer above (a learning app's spec).</summary>
    public Func<int, byte[]>? ApplicationForApp { get; set; }

    /// <summary>How app i's tree merges contributions (default: exact weighted sums).</summary>
    public Func<int, IAggregationRule>? RuleForApp { get; set; }

    /// <summary>Which children of a tree node get app i's round (default: all).</summary>
    public Func<int, IChildSelector>? SelectorForApp { get; set; }

    public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint)
        => Observer?.OnRootTakeover(node, app, round, checkpoint);

    public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
    {
        if (!_apps.TryGetValue(app, out AppRun? run))
            return;
        run.AggregatedAt = World.Now;
        run.Contributions = contributions;
        run.Merged = merged;
        if (Observer is not null || NodeApp is not null)
            Observer?.OnAggregated(node, app, round, merged, contributions);
        else if (merged.Vector is not null)
            run.MaxError = MaxErrorAgainstFlatAverage(run, merged);
    }

    /// <summary>The oracle: the weighted average of every subscriber's model, computed flat, against the tree's.</summary>
    private static double MaxErrorAgainstFlatAverage(AppRun run, Payload merged)
    {
        float[] tree = WeightedSumRule.Average(merged);
        double error = 0;
        for (int i = 0; i < tree.Length; i++)
        {
            double sum = 0, weights = 0;
            foreach (int s in run.Subscribers)
            {
                double w = 1 + (s % 7);
                sum += w * LocalValue(s, i);
                weights += w;
            }

            error = Math.Max(error, Math.Abs((sum / weights) - tree[i]));
        }

        return error;
    }

    // ---- Report ------------------------------------------------------------------------------------------

    private ForestSection Report()
    {
        var trees = new List<AppTreeReport>();
        var rootCounts = new int[World.NodeCount];
        long control = 0;
        foreach (ForestNode? node in _forest)
            control += node?.ControlMessages ?? 0;

        foreach (AppRun app in _apps.Values.OrderBy(a => a.Number))
        {
            rootCounts[app.Root]++;
            (int treeNodes, int depth, int maxChildren) = Shape(app);
            int outside = app.Zone < 0 ? 0 : TreeMembers(app).Count(n => _overlay.ZoneOfNode(n) != app.Zone);
            trees.Add(new AppTreeReport(
                App: $"app-{app.Number}",
                Root: app.Root,
                Subscribers: app.Subscribers.Length,
                Attached: app.Subscribers.Count(s => _forest[s]!.TryGetTree(app.Id, out TreeInfo t) && (t.IsRoot || !t.Parent.IsNone)),
                TreeNodes: treeNodes,
                Depth: depth,
                MaxChildren: maxChildren,
                DisseminationMs: Ms(app.LastDelivery - app.BroadcastAt),
                AggregationMs: app.AggregatedAt < 0 ? -1 : Ms(app.AggregatedAt - app.AggregateAt),
                Contributions: app.Contributions,
                Zone: app.Zone,
                TreeNodesOutsideZone: outside));
        }

        var traffic = new double[World.NodeCount];
        for (int i = 0; i < traffic.Length; i++)
            traffic[i] = World.TrafficBytes(i);

        return new ForestSection(
            Apps: _config.Apps,
            SubscribersPerApp: _config.SubscribersPerApp,
            ModelBytes: _config.ModelBytes,
            Fanout: Fanout,
            Trees: trees,
            RootsPerNode: Summarize(rootCounts.Select(c => (double)c).ToArray()),
            PerNodeTrafficBytes: Summarize(traffic),
            CentralServerTrafficBytes: 2L * _config.Apps * _config.SubscribersPerApp * _config.ModelBytes,
            ControlMessages: control,
            MeanDepth: Math.Round(trees.Count == 0 ? 0 : trees.Average(t => t.Depth), 4),
            MaxDepth: trees.Count == 0 ? 0 : trees.Max(t => t.Depth),
            MeanDisseminationMs: Math.Round(trees.Count == 0 ? 0 : trees.Average(t => t.DisseminationMs), 4),
            MeanAggregationMs: Math.Round(trees.Count == 0 ? 0 : trees.Average(t => t.AggregationMs), 4),
            BroadcastsDelivered: _delivered.Count,
            DuplicateDeliveries: _duplicates,
            ContributionsAggregated: trees.Sum(t => t.Contributions),
            RealVectors: _config.RealVectors,
            MaxAverageError: _apps.Values.Select(a => a.MaxError).DefaultIfEmpty(0).Max());
    }

    /// <summary>Walks an app's tree from its root: node count, depth of the deepest subscriber, widest node.</summary>
    public (int Nodes, int Depth, int MaxChildren) Shape(AppRun app) => Shape(app.Id, app.Root);

    public (int Nodes, int Depth, int MaxChildren) Shape(NodeId app, int root)
    {
        int nodes = 0, depth = 0, maxChildren = 0;
        var frontier = new Queue<(int Node, int Depth)>();
        var seen = new HashSet<int>();
        frontier.Enqueue((root, 0));
        while (frontier.Count > 0)
        {
            (int node, int d) = frontier.Dequeue();
            if (!seen.Add(node) || !_forest[node]!.TryGetTree(app, out TreeInfo info))
                continue;
            nodes++;
            if (info.IsSubscriber)
                depth = Math.Max(depth, d);
            maxChildren = Math.Max(maxChildren, info.Children.Length);
            foreach (PeerHandle child in info.Children)
                frontier.Enqueue((child.Index, d + 1));
        }

        return (nodes, depth, maxChildren);
    }

    public IEnumerable<AppRun> Apps => _apps.Values;

    /// <summary>Every node of an app's tree, from its root down.</summary>
    public IEnumerable<int> TreeMembers(AppRun app)
    {
        var seen = new HashSet<int>();
        var frontier = new Stack<int>();
        frontier.Push(app.Root);
        while (frontier.Count > 0)
        {
            int node = frontier.Pop();
            if (!seen.Add(node) || !_forest[node]!.TryGetTree(app.Id, out TreeInfo info))
                continue;
            yield return node;
            foreach (PeerHandle child in info.Children)
                frontier.Push(child.Index);
        }
    }

    internal static Distribution Summarize(double[] values)
    {
        if (values.Length == 0)
            return new Distribution(0, 0, 0, 0);
        double[] sorted = [.. values];
        Array.Sort(sorted);
        double Rank(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Distribution(Math.Round(sorted.Average(), 4), Rank(0.99), Rank(0.995), sorted[^1]);
    }

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);

    /// <summary>One app's run: its subscribers and the times of its round.</summary>
    public sealed class AppRun(int number, NodeId id, int[] subscribers)
    {
        public int Number { get; } = number;

        public NodeId Id { get; } = id;

        public int[] Subscribers { get; } = subscribers;

        public int Root { get; set; } = -1;

        /// <summary>The zone a confined app lives in; -1 for an app that may span zones.</summary>
        public int Zone { get; init; } = -1;

        public int Round { get; set; }

        /// <summary>The app's descriptor as nodes learn it.</summary>
        public byte[] Descriptor { get; init; } = [];

        public long BroadcastAt { get; set; }

        public long LastDelivery { get; set; }

        public long AggregateAt { get; set; }

        public long AggregatedAt { get; set; } = -1;

        public long Contributions { get; set; }

        public double MaxError { get; set; }

        /// <summary>What the root got: the merged weighted sum of every contribution.</summary>
        public Payload? Merged { get; set; }
    }

    /// <summary>Worker s's contribution weight (its sample count) and local parameter i, as the scenario uses them.</summary>
    public static (double Weight, int Value) Contribution(int node, int i) => (1 + (node % 7), LocalValue(node, i));
}
