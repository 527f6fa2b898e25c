using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Net.Control;

namespace Totoro.Net.Hosting;

/// <summary>
/// The learning layer of one host, shared by its logical nodes: apps arrive on the advertise–discover tree (spec and
/// seed in the advertisement); the host loads the app's data once, registers its tree, and its nodes whose global
/// index is below the app's worker count subscribe as workers holding that index's partition. Each worker, once
/// attached, tells the master with a lookup to the app id; the master (the tree's root) starts round 1 when every
/// worker is attached. The rounds themselves are the lead's <see cref="FederatedApp"/>, unchanged.
/// </summary>
internal sealed class HostedApps : IForestApp, IOverlayListener
{
    private const long ReadyRetryMicros = 2_000_000;
    private const long RespreadMicros = 3_000_000;
    private const int ResendCount = 10;

    private readonly NodeHost _host;
    private readonly FederatedApps _apps;
    private readonly DatasetCache _cache = new();
    private readonly Dictionary<NodeId, Hosted> _hosted = [];

    public HostedApps(NodeHost host)
    {
        _host = host;
        _apps = new FederatedApps(() => host.Now);
    }

    /// <summary>Apps loaded on this host (their data and tree known here).</summary>
    public int LoadedCount => _hosted.Values.Count(h => h.App is not null);

    public IEnumerable<AppSummary> Summaries => _hosted.Values.Where(h => h.Spec is not null).Select(h => new AppSummary(
        h.Spec!.Name, h.Id.ToString(), h.Spec.Model, h.Spec.Dataset, h.Spec.Workers, h.Spec.Rounds, h.Spec.ClientsPerRound, h.Spec.Rule));

    /// <summary>
    /// Makes an app known on this host (from a submit or a discovery); idempotent. Its data are loaded off the event
    /// loop (Fashion-MNIST takes seconds), so the node keeps serving meanwhile; then its workers subscribe.
    /// </summary>
    public void Register(NodeId id, AdvertisedApp advertised)
    {
        Hosted hosted = Get(id);
        if (hosted.Spec is not null)
            return;
        Respread(id, advertised, ResendCount);
        hosted.Spec = advertised.Spec;
        hosted.Seed = advertised.Seed;
        Task.Run(() =>
        {
            try
            {
                FederatedWorkload workload = FederatedWorkload.Load(advertised.Spec, advertised.Seed, _cache);
                _host.Post(() => Loaded(hosted, workload));
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or InvalidDataException)
            {
                _host.Post(() =>
                {
                    hosted.Error = $"cannot load app {advertised.Spec.Name} here: {ex.Message}";
                    _host.Log.Error(hosted.Error);
                });
            }
        });
    }

    /// <summary>Tells every host this one knows of, now and a few times more: hosts heard of later, and notices lost, are covered.</summary>
    private void Respread(NodeId id, AdvertisedApp advertised, int times)
    {
        _host.Control.Spread(id, advertised);
        if (times > 1)
            _host.Schedule(RespreadMicros, () => Respread(id, advertised, times - 1));
    }

    private void Loaded(Hosted hosted, FederatedWorkload workload)
    {
        AppSpec spec = hosted.Spec!;
        var options = new TreeOptions { Fanout = _host.Options.Pastry.Columns, RoundDeadlineMicros = spec.RoundDeadlineMs * 1000L };
        _host.Node(0).CreateTree(new AppDescriptor(hosted.Id, spec.Name, options, ServerRules.Merge(spec, workload.Model.ParameterCount), NoCompression.Instance, AllChildren.Instance));
        hosted.App = new FederatedApp(hosted.Id, workload, hosted.Seed, WorkerOf);
        hosted.App.RoundCompleted += (app, round) => _host.Log.Info(
            $"app {app.Spec.Name} round {round.Round}/{app.Spec.Rounds}: {round.Contributions} of {round.Participants} updates, accuracy {round.Accuracy:F4}, {round.RoundSeconds:F2} s");
        _apps.Add(hosted.App);
        _host.Log.Info($"app {spec.Name} ({hosted.Id}) known: {spec.Workers} workers, {spec.Rounds} rounds");
        for (int i = 0; i < _host.NodeCount; i++)
        {
            if (_host.GlobalIndex(i) < spec.Workers && _host.IsJoined(i))
                _host.Node(i).Subscribe(hosted.Id);
        }

        TryStart(hosted.Id);
    }

    /// <summary>A node that joined after apps were discovered subscribes to those it is a worker of.</summary>
    public void OnNodeJoined(int local)
    {
        foreach (Hosted hosted in _hosted.Values)
        {
            if (hosted.Spec is { } spec && hosted.App is not null && _host.GlobalIndex(local) < spec.Workers)
                _host.Node(local).Subscribe(hosted.Id);
        }
    }

    public AppStatus Status(NodeId id, bool includeModel)
    {
        if (!_hosted.TryGetValue(id, out Hosted? hosted) || hosted.Spec is null)
            return new AppStatus("", id.ToString(), Known: false);
        var status = new AppStatus(hosted.Spec.Name, id.ToString(), Known: true)
        {
            Error = hosted.Error,
            Rounds = hosted.Spec.Rounds,
            Workers = hosted.Spec.Workers,
            ReadyWorkers = hosted.Ready.Count,
        };
        if (hosted.App is not { StartedAt: >= 0 } app)
            return status;
        FederatedMaster master = app.Master;
        RoundRecord? last = master.History.Count > 0 ? master.History[^1] : null;
        return status with
        {
            Started = true,
            Finished = master.Finished,
            Round = master.CompletedRounds,
            Accuracy = master.FinalAccuracy,
            Participants = last?.Participants ?? 0,
            Contributions = last?.Contributions ?? 0,
            Seconds = last?.EndSeconds ?? 0,
            Model = includeModel && master.Finished ? master.Global : null,
        };
    }

    private Hosted Get(NodeId id)
    {
        if (!_hosted.TryGetValue(id, out Hosted? hosted))
            _hosted[id] = hosted = new Hosted(id);
        return hosted;
    }

    private int WorkerOf(ForestNode node)
    {
        if (!_host.TryIndexOf(node.Overlay.Id, out int local))
            return -1;
        int global = _host.GlobalIndex(local);
        return global;
    }

    /// <summary>At the master: every worker is attached, so round 1 reaches all of them (as in the simulator).</summary>
    private void TryStart(NodeId id)
    {
        if (!_hosted.TryGetValue(id, out Hosted? hosted) || hosted.App is not { } app || app.StartedAt >= 0 || hosted.Ready.Count < hosted.Spec!.Workers)
            return;
        for (int i = 0; i < _host.NodeCount; i++)
        {
            if (_host.Node(i).IsRootOf(id))
            {
                _host.Log.Info($"app {hosted.Spec.Name}: all {hosted.Ready.Count} workers attached; node {i} (master) starts round 1");
                app.Start(_host.Node(i), _host.Now);
                return;
            }
        }
    }

    private void SendReady(ForestNode node, NodeId app, int worker)
    {
        if (!_hosted.TryGetValue(app, out Hosted? hosted) || hosted.SeenBroadcast.Contains(worker))
            return;
        node.Overlay.Route(new Message { Kind = MessageKind.Lookup, Key = app, Origin = SelfOf(node), Row = ProbeRow.WorkerReady, Round = worker, Stamp = _host.Now });
        _host.Schedule(ReadyRetryMicros, () => SendReady(node, app, worker)); // lookups are datagrams: say it again until round 1 comes
    }

    private PeerHandle SelfOf(ForestNode node) => _host.Directory.Add(node.Overlay.Id, _host.Endpoint);

    // ---- IForestApp ---------------------------------------------------------------------------------------

    public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
    {
        if (_hosted.TryGetValue(app, out Hosted? hosted))
            hosted.SeenBroadcast.Add(WorkerOf(node));
        _apps.OnBroadcast(node, app, round, payload);
    }

    public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
        => _apps.OnAggregated(node, app, round, merged, contributions);

    public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint)
        => _apps.OnRootTakeover(node, app, round, checkpoint);

    public void OnAttached(ForestNode node, NodeId app)
    {
        int worker = WorkerOf(node);
        if (_hosted.TryGetValue(app, out Hosted? hosted) && hosted.Spec is { } spec && worker >= 0 && worker < spec.Workers)
            SendReady(node, app, worker);
    }

    public void OnDiscovered(ForestNode node, Advertisement advertisement)
    {
        if (!ControlJson.TryDeserialize(System.Text.Encoding.UTF8.GetBytes(advertisement.Requirements), out AdvertisedApp? app, out string? error))
        {
            _host.Log.Warn($"ignoring advertisement of {advertisement.Name}: {error}");
            return;
        }

        Discovered(advertisement.App, app!);
    }

    /// <summary>An app heard of from the advertise–discover tree or from another host: checked, then registered and passed on.</summary>
    public void Discovered(NodeId id, AdvertisedApp app)
    {
        if (_hosted.TryGetValue(id, out Hosted? known) && known.Spec is not null)
            return;
        if (app.Spec is null || app.Spec.Validate().Count > 0 || AppId.Create(app.Spec.Name, [], 0) != id)
        {
            _host.Log.Warn($"ignoring app {id}: not a valid app spec for its id");
            return;
        }

        Register(id, app);
    }

    // ---- IOverlayListener -----------------------------------------------------------------------------------

    public void OnJoined(PastryNode node) => _host.OnJoined(node.Id);

    public void OnJoinStalled(PastryNode node, PeerHandle bootstrap, int attempts) => _host.OnJoinStalled(node, bootstrap, attempts);

    public void OnDeliver(PastryNode node, PeerHandle from, in Message message)
    {
        if (message.Kind != MessageKind.Lookup || message.Origin.IsNone)
            return;
        switch (message.Row)
        {
            case ProbeRow.WorkerReady:
                Hosted hosted = Get(message.Key);
                if (hosted.Ready.Add(message.Round))
                    TryStart(message.Key);
                break;
            case ProbeRow.Status:
                _host.Control.Answer(message.Origin, new Notice(message.Stamp) { Status = Status(message.Key, includeModel: message.Round == 1) });
                break;
            case ProbeRow.Trace:
                _host.Control.Answer(message.Origin, new Notice(message.Stamp) { Lookup = new LookupResult(message.Key.ToString(), node.Id.ToString(), message.Hops) });
                break;
            default:
                break;
        }
    }

    private sealed class Hosted(NodeId id)
    {
        public NodeId Id { get; } = id;

        public AppSpec? Spec { get; set; }

        public ulong Seed { get; set; }

        public FederatedApp? App { get; set; }

        public string? Error { get; set; }

        /// <summary>At the master: workers that said they are attached.</summary>
        public HashSet<int> Ready { get; } = [];

        /// <summary>Workers on this host that have had a round's broadcast (they stop saying they are ready).</summary>
        public HashSet<int> SeenBroadcast { get; } = [];
    }
}
