using System.Diagnostics;
using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Sim.Baselines;
using Totoro.Sim.Devices;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Federated training in the simulator. The world is built once — overlay, then A apps whose S subscribers each
/// are the app's workers — and then one system trains every app: `totoro` on the apps' trees (the root is the
/// master, interior nodes merge, subscribers train), or a tree-less baseline (`central`, `star`) over the same links,
/// devices, workers, data and master logic. Local training takes the device model's time; transfers take the
/// network model's.
/// </summary>
public sealed class FederatedScenario
{
    private const long SliceMicros = 1_000_000;

    private readonly OverlaySimConfig _overlayConfig;
    private readonly LearningSimConfig _config;
    private readonly ForestScenario _forest;
    private readonly FederatedWorkload[] _workloads;
    private readonly ulong[] _seeds;
    private readonly AccuracyCurve? _curve;
    private readonly DeviceModel _devices;
    private readonly WorkloadCache _workloadCache;
    private readonly LearningLedger _ledger = new();
    private readonly LazyLearners? _learners;
    private readonly List<(string Name, FederatedMaster Master, double Start)> _masters = [];
    private readonly List<NodeId> _treeApps = [];
    private readonly LivePlanningAudit? _audit;
    private Dictionary<int, int>[] _workerOf = [];
    private int[][] _deviceOf = [];

    /// <param name="spareSlots">Extra node slots for nodes that join during training (churn).</param>
    public FederatedScenario(OverlaySimConfig overlay, ForestSimConfig forest, LearningSimConfig config, DatasetCache? cache = null, int spareSlots = 0)
    {
        IReadOnlyList<string> problems = config.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(config));
        if (config.Template.Workers != forest.SubscribersPerApp)
            throw new ArgumentException($"each app's workers ({config.Template.Workers}) must be its subscribers ({forest.SubscribersPerApp})", nameof(config));
        _overlayConfig = overlay;
        _config = config;
        _curve = !config.IsTiming ? null
            : config.AccuracyPoints is { } points ? new AccuracyCurve(points.Select(a => (a, double.NaN)).ToArray())
            : config.AccuracyCurve is { } path ? AccuracyCurve.Load(path)
            : null;
        cache ??= new DatasetCache();
        _workloadCache = new WorkloadCache(cache);
        _workloads = new FederatedWorkload[config.Apps];
        _seeds = new ulong[config.Apps];
        for (int a = 0; a < config.Apps; a++)
        {
            _seeds[a] = SplitMix64.Derive(overlay.Seed, 0xa990UL + (ulong)a);
            _workloads[a] = FederatedWorkload.Load(config.SpecFor(a), _seeds[a], cache);
            if (config.InitModel is { } start)
                _workloads[a] = _workloads[a].StartingFrom(start); // like a model file every node can read
            _workloadCache.Add(_seeds[a], _workloads[a]);
        }

        AppSpec spec = config.Template;
        int parameters = _workloads[0].Model.ParameterCount;
        _devices = new DeviceModel(overlay.Nodes, config.DeviceGflops, overlay.Seed);
        IReadOnlyList<(double, double)>? curvePoints = _curve?.Points;
        _forest = new ForestScenario(overlay, forest with
        {
            Apps = config.Apps,
            ModelBytes = _workloads[0].ModelBytes,
            RealVectors = !config.IsTiming,
            RoundDeadlineMs = spec.RoundDeadlineMs,
        }, spareSlots)
        {
            Hooks = LearningTreeHooks.Default,
            NodeApp = config.System == "totoro" ? _ => _learners : null,
            RuleForApp = _ => ServerRules.Merge(spec, parameters),
            SelectorForApp = _ => new ParticipantRouter(),
            ApplicationForApp = a => new LearningAppInfo(_workloads[a].Spec, _seeds[a], parameters, config.IsTiming, curvePoints).Encode(),
        };
        SimWorld world = _forest.World;
        Func<long> clock = () => world.Now; // one clock for every node's learning layer
        _learners = config.System == "totoro" ? new LazyLearners(world, () => new LearningNode(clock, _workloadCache, _ledger)) : null;
        if (forest.Planning is { } planning && config.System == "totoro")
            _audit = new LivePlanningAudit(_forest, planning, _workloads[0].ModelBytes);
    }

    /// <summary>The planners' audit (null without --planner): moves scored on the true costs, and the end's Nash gap.</summary>
    public LivePlanningAudit? PlanningAudit => _audit;

    /// <summary>What every node's master reported, by app: the master holding each app now, take-overs, losses.</summary>
    public LearningLedger Ledger => _ledger;

    /// <summary>The ids of the apps training on trees, in app order (the `totoro` system, once training started).</summary>
    public IReadOnlyList<NodeId> TreeApps => _treeApps;

    /// <summary>App <paramref name="app"/>'s data and model (read-only, as every node loads it).</summary>
    public FederatedWorkload WorkloadOf(NodeId app) => _workloads[_forest.Apps.First(r => r.Id == app).Number];

    /// <summary>Node <paramref name="node"/>'s learning layer (null until the node first needs one, and outside `totoro` runs).</summary>
    public LearningNode? LearnerAt(int node) => _learners?.Existing(node);

    /// <summary>Nodes that have made their learning layer (the rest never met an app).</summary>
    public int LearnersMade => _learners?.Count ?? 0;

    /// <summary>How the training loop lets world time pass (default: the world alone; churn runs its actions too).</summary>
    public Action<long>? RunWorldUntil { get; set; }

    /// <summary>Called once the trees are built, just before the roots start training (churn starts there).</summary>
    public Action? TrainingStarting { get; set; }

    /// <summary>Stops the training loop early (an app that can no longer finish), checked once per slice.</summary>
    public Func<bool>? GiveUp { get; set; }

    /// <summary>The workers node <paramref name="node"/> holds: (app number, worker index).</summary>
    public IEnumerable<(int App, int Worker)> WorkersAt(int node)
    {
        for (int a = 0; a < _workerOf.Length; a++)
        {
            if (_workerOf[a].TryGetValue(node, out int worker))
                yield return (a, worker);
        }
    }

    /// <summary>
    /// Hands app <paramref name="app"/>'s worker (its data shard and its device) to <paramref name="node"/>, which
    /// subscribes to the app's tree; the node that held it no longer does.
    /// </summary>
    public void MoveWorker(int app, int worker, int node)
    {
        Dictionary<int, int> workers = _workerOf[app];
        ForestScenario.AppRun run = _forest.Apps.First(r => r.Number == app);
        foreach ((int holder, int w) in workers)
        {
            if (w == worker)
            {
                workers.Remove(holder);
                _learners?.Existing(holder)?.Release(run.Id);
                break;
            }
        }

        workers[node] = worker;
        _forest.World.Enter(node);
        Hold(run, node, worker);
        _forest.Discover(node, run.Descriptor);
        _forest.Node(node).Subscribe(run.Id);
    }

    /// <summary>Node <paramref name="node"/> holds worker <paramref name="worker"/>'s shard, on that worker's first device.</summary>
    private void Hold(ForestScenario.AppRun run, int node, int worker)
    {
        int device = _deviceOf[run.Number][worker];
        _learners!.Of(node).Hold(run.Id, worker, flops => _devices.ComputeMicros(device, flops));
    }

    public ForestScenario Forest => _forest;

    /// <summary>Core seconds the central server's CPU was busy (`openfl`, `fedscale`; 0 otherwise).</summary>
    public double ServerCpuBusySeconds { get; private set; }

    public DeviceModel Devices => _devices;

    /// <summary>The apps' masters, in app order (after <see cref="Run"/>): for the trees, the master each app's root holds at the end.</summary>
    public IReadOnlyList<FederatedMaster> Masters => _masters.Select(m => m.Master).ToArray();

    /// <summary>The whole run as a sim report: the overlay, the trees (for `totoro`) and the learning section.</summary>
    public SimReport RunReport(Action<SimProgress>? progress = null)
    {
        var wall = Stopwatch.StartNew();
        LearningSection learning = Run(progress);
        SimReport report = _forest.Overlay.Report(wall.Elapsed.TotalSeconds) with { Learning = learning, LivePlanning = _audit?.Section(learning) };
        return report; // the forest section's one-shot dissemination/aggregation times do not apply to training runs
    }

    public LearningSection Run(Action<SimProgress>? progress = null)
    {
        _forest.Overlay.BuildOverlay(progress);
        _forest.Overlay.Settle(2);
        _forest.Subscribe(progress);
        ForestScenario.AppRun[] apps = _forest.Apps.OrderBy(a => a.Number).ToArray();
        if (_config.System == "totoro")
            RunOnTrees(apps, progress);
        else
            RunDirect(apps, progress);
        return LearningReports.Build(_config, _workloads[0].Model.ParameterCount, _masters);
    }

    private void RunOnTrees(ForestScenario.AppRun[] apps, Action<SimProgress>? progress)
    {
        SimWorld world = _forest.World;
        long start = world.Now;
        _workerOf = new Dictionary<int, int>[apps.Length];
        _deviceOf = new int[apps.Length][];
        foreach (ForestScenario.AppRun run in apps)
        {
            var workerOf = new Dictionary<int, int>(run.Subscribers.Length);
            _workerOf[run.Number] = workerOf;
            _deviceOf[run.Number] = [.. run.Subscribers]; // worker i keeps its first node's device when another node takes its shard
            for (int i = 0; i < run.Subscribers.Length; i++)
            {
                workerOf[run.Subscribers[i]] = i;
                Hold(run, run.Subscribers[i], i); // the node's own data: its shard of the app
            }

            _treeApps.Add(run.Id);
        }

        _audit?.Attach(_treeApps);
        TrainingStarting?.Invoke();

        // Concurrent: every root starts at once. Isolated: the next app starts when the previous one is done.
        int started = 0;
        void StartNext()
        {
            ForestScenario.AppRun run = apps[started++];
            world.Enter(run.Root);
            if (!_learners!.Of(run.Root).Start(_forest.Node(run.Root), run.Id))
                throw new InvalidOperationException($"the root of {run.Id} cannot serve its app");
        }

        do
            StartNext();
        while (!_config.Isolated && started < apps.Length);

        long total = (long)_config.Apps * _config.Template.Rounds;
        long limit = start + (3600L * 1_000_000 * _config.Template.Rounds * (_config.Isolated ? _config.Apps : 1));
        Action<long> runUntil = RunWorldUntil ?? world.RunUntil;
        while (!_ledger.AllFinished(_treeApps) && world.PendingEvents > 0 && world.Now < limit && GiveUp?.Invoke() != true)
        {
            runUntil(world.Now + SliceMicros);
            if (_audit is not null)
            {
                int slowest = _treeApps.Where(a => _ledger[a] is not null).Select(a => _ledger[a]!.Master.CompletedRounds).DefaultIfEmpty(0).Min(); // of the apps started
                foreach (NodeId app in _treeApps)
                {
                    if (_ledger[app]?.Master is { } master && master.CompletedRounds >= _config.Template.Rounds - 1)
                        _audit.LastRoundBegan(slowest, world.Now - start); // every app's players together, before any app ends (once)
                    if (_ledger[app]?.Master.Finished == true)
                        _audit.AppEnded(app); // its players are scored as its training ends (once)
                }

                _audit.RoundsCompleted(slowest, world.Now - start); // the gap's course, every few rounds until the above
            }

            progress?.Invoke(new SimProgress("training", _treeApps.Sum(a => (long)(_ledger[a]?.Master.CompletedRounds ?? 0)), total));
            if (_config.Isolated && started < apps.Length && _treeApps.Take(started).All(a => _ledger[a]?.Master.Finished == true))
                StartNext();
        }

        foreach (ForestScenario.AppRun run in apps)
        {
            FederatedMaster master = _ledger[run.Id]?.Master ?? new FederatedMaster(_workloads[run.Number], _seeds[run.Number], _curve, _config.IsTiming);
            _masters.Add((_workloads[run.Number].Spec.Name, master, 0));
        }
    }

    private void RunDirect(ForestScenario.AppRun[] apps, Action<SimProgress>? progress)
    {
        SimWorld world = _forest.World;
        ulong random = SplitMix64.Derive(_overlayConfig.Seed, 0xba5e);
        int coordinator = SplitMix64.NextInt(ref random, world.NodeCount);
        CentralShape? shape = CentralShape.Find(_config.System);
        if (_config.System == "central")
            world.Links.SetSpeeds(coordinator, _config.CentralMbps, _config.CentralMbps);
        else if (shape is not null)
            world.Links.SetSpeeds(coordinator, shape.NicMbps, shape.NicMbps);
        var direct = new List<DirectApp>();
        foreach (ForestScenario.AppRun run in apps)
        {
            int server = coordinator;
            if (_config.System == "star")
            {
                do
                    server = SplitMix64.NextInt(ref random, world.NodeCount);
                while (Array.IndexOf(run.Subscribers, server) >= 0);
            }

            var master = new FederatedMaster(_workloads[run.Number], _seeds[run.Number], _curve, _config.IsTiming);
            direct.Add(new DirectApp(_workloads[run.Number].Spec.Name, server, run.Subscribers, _workloads[run.Number], master, _seeds[run.Number]));
            _masters.Add((_workloads[run.Number].Spec.Name, master, 0));
        }

        long total = (long)_config.Apps * _config.Template.Rounds;
        long done = 0;
        long start = world.Now;
        long limit = start + (3600L * 1_000_000 * _config.Template.Rounds * _config.Apps);
        bool shared = _config.System == "central";
        DirectFederatedRun Runner(IReadOnlyList<DirectApp> apps) =>
            shape is not null ? new DirectFederatedRun(world.Links, _devices, apps, shape) : new DirectFederatedRun(world.Links, _devices, apps, shared);
        if (_config.Isolated)
        {
            foreach (DirectApp app in direct)
                start = Runner([app]).Run(start, limit, _ => progress?.Invoke(new SimProgress("training", ++done, total)));
        }
        else
        {
            DirectFederatedRun run = Runner(direct);
            run.Run(start, limit, _ => progress?.Invoke(new SimProgress("training", ++done, total)));
            ServerCpuBusySeconds = run.CpuBusyMicros / 1e6;
        }
    }
}
