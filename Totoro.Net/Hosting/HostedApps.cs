using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Net.Hosting;

/// <summary>
/// The learning layer of one host's logical nodes. Each node has its own <see cref="LearningNode"/>, a volunteer: it
/// hears of apps on the advertise–discover tree, subscribes, enrols with the app's root for a worker index, and
/// plays whatever role it has — as in the simulator, the rounds, the master's state and its take-over from a
/// replica are the node's own. What the host adds is what a machine has: the apps' data, loaded once off the event
/// loop (<see cref="IWorkloadSource"/>); training on the thread pool with the update posted back; and the log.
/// </summary>
internal sealed class HostedApps : IForestApp, IOverlayListener, IWorkloadSource, ILearningObserver
{
    /// <summary>The tag of the host's traced lookups (<see cref="TreeKind.AppRouted"/>): the delivering node answers who it is.</summary>
    public const byte TraceTag = 2;

    private const long NudgeMicros = 1_000_000;

    private readonly NodeHost _host;
    private readonly DatasetCache _cache = new();
    private readonly Dictionary<(AppSpec Spec, ulong Seed), Loading> _loads = [];
    private LearningNode[] _learners = [];

    public HostedApps(NodeHost host)
    {
        _host = host;
    }

    /// <summary>Answers to requests node 0 routed (stamp, the answering node, the message), for the control service.</summary>
    public event Action<long, PeerHandle, LearningMessage>? Answered;

    /// <summary>Answers to traced lookups: (stamp, the delivering node, its id, hops).</summary>
    public event Action<long, PeerHandle, NodeId, int>? Traced;

    /// <summary>Submits, stops and advertised apps this host's nodes refused because the creator's signature was missing or wrong.</summary>
    public long OwnershipRefusals => _learners.Sum(l => l.OwnershipRefusals);

    /// <summary>Apps whose data are loaded on this host.</summary>
    public int LoadedCount => _loads.Values.Count(l => l.Workload is not null);

    /// <summary>
    /// Gives each of the host's <paramref name="nodes"/> logical nodes its own learning layer; with the host's own data,
    /// node i holds every sample j with j mod nodes = i.
    /// </summary>
    public void CreateLearners(int nodes, Dataset? ownData = null)
    {
        _learners = new LearningNode[nodes];
        for (int i = 0; i < nodes; i++)
        {
            Dataset? own = ownData is null ? null : ownData.Subset(Enumerable.Range(0, ownData.Count).Where(j => j % nodes == i).ToArray());
            _learners[i] = new LearningNode(() => _host.Now, this, this, TrainOffLoop)
            {
                Volunteer = true,
                OwnData = own,
                Signatures = _host.Options.Credentials is null ? null : Security.Ed25519Check.Instance, // a certified overlay serves owned apps only
            };
            if (i == 0)
                _learners[i].Answered += (stamp, from, message) => Answered?.Invoke(stamp, from, message);
        }

        _host.Schedule(NudgeMicros, NudgeEverySecond);
    }

    /// <summary>The apps this host's nodes know, with what their descriptors say.</summary>
    public IEnumerable<(NodeId Id, LearningAppInfo Info)> Known
    {
        get
        {
            var seen = new HashSet<NodeId>();
            for (int i = 0; i < _host.NodeCount; i++)
            {
                foreach (FederatedApp app in _learners[i].Apps)
                {
                    if (seen.Add(app.Id))
                        yield return (app.Id, app.Info);
                }
            }
        }
    }

    /// <summary>Loads an app's data off the event loop (once per host); <paramref name="then"/> runs on the loop when done.</summary>
    public void Load(AppSpec spec, ulong seed, Action<FederatedWorkload?, string?>? then = null)
    {
        if (_loads.TryGetValue((spec, seed), out Loading? loading))
        {
            if (loading.Workload is not null || loading.Error is not null)
                then?.Invoke(loading.Workload, loading.Error);
            else if (then is not null)
                loading.Waiting.Add(then);
            return;
        }

        loading = new Loading();
        if (then is not null)
            loading.Waiting.Add(then);
        _loads[(spec, seed)] = loading;
        Task.Run(() =>
        {
            try
            {
                // A spec from the network names a model, never code to load: the host's own --model-assembly did that.
                FederatedWorkload workload = FederatedWorkload.Load(spec with { ModelAssembly = null }, seed, _cache);
                _host.Post(() => Done(loading, workload, null));
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or InvalidDataException)
            {
                _host.Post(() => Done(loading, null, $"cannot load app {spec.Name} here: {ex.Message}"));
            }
        });
    }

    private void Done(Loading loading, FederatedWorkload? workload, string? error)
    {
        loading.Workload = workload;
        loading.Error = error;
        if (error is not null)
            _host.Log.Error(error);
        foreach (Action<FederatedWorkload?, string?> then in loading.Waiting)
            then(workload, error);
        loading.Waiting.Clear();
        NudgeAll();
    }

    /// <summary>Every second, and when data finish loading: nodes ask for missing shards and masters check their start deadline.</summary>
    public void NudgeAll()
    {
        for (int i = 0; i < _learners.Length; i++)
        {
            if (_host.IsJoined(i))
                _learners[i].Nudge(_host.Node(i));
        }
    }

    private void NudgeEverySecond()
    {
        NudgeAll();
        _host.Schedule(NudgeMicros, NudgeEverySecond);
    }

    /// <summary>Training takes seconds: it runs on the thread pool, and the update comes back to the node's turn.</summary>
    private void TrainOffLoop(Func<Payload> train, Action<Payload> done)
    {
        Task.Run(() =>
        {
            try
            {
                Payload update = train();
                _host.Post(() => done(update));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IndexOutOfRangeException)
            {
                _host.Post(() => _host.Log.Error($"training failed: {ex.Message}"));
            }
        });
    }

    // ---- IWorkloadSource, ILearningObserver ------------------------------------------------------------

    /// <summary>A node met an app: its data are here once the host has loaded them ("not yet" meanwhile, loading started).</summary>
    public bool TryGet(LearningAppInfo app, out FederatedWorkload? workload)
    {
        Load(app.Spec, app.Seed);
        workload = _loads[(app.Spec, app.Seed)].Workload;
        return workload is not null;
    }

    public void OnStarted(NodeId app, FederatedMaster master, long now)
        => _host.Log.Info($"app {master.Spec.Name}: a node here is its master and starts round 1");

    /// <summary>A master on this host closed a round (on the event loop): the metrics follow apps with it.</summary>
    public event Action<FederatedMaster, RoundRecord>? RoundCompleted;

    public void OnRoundCompleted(NodeId app, FederatedMaster master, RoundRecord round)
    {
        RoundCompleted?.Invoke(master, round);
        LogRound(master, round);
    }

    private void LogRound(FederatedMaster master, RoundRecord round)
        => _host.Log.Info($"app {master.Spec.Name} round {round.Round}/{master.Spec.Rounds}: {round.Contributions} of {round.Participants} updates, accuracy {round.Accuracy:F4}, {round.RoundSeconds:F2} s");

    public void OnResumed(NodeId app, FederatedMaster master, bool modelRestored, long now)
        => _host.Log.Warn($"app {master.Spec.Name}: a node here took over as master at round {master.CompletedRounds + 1}{(modelRestored ? "" : " WITHOUT its model (lost)")}");

    public void OnSuccessorAnnounced(NodeId app, string name, long now)
        => _host.Log.Warn($"app {name}: its first root is gone before it trained, and a node here, next closest to the app, announced it again");

    // ---- IForestApp: each node's own learning layer ------------------------------------------------------

    private LearningNode LearnerOf(ForestNode node)
        => _host.TryIndexOf(node.Overlay.Id, out int local) ? _learners[local] : throw new InvalidOperationException("a node of another host");

    /// <summary>Tests only: one app's rounds go to this handler instead of the learning layer (a tree driven by hand).</summary>
    internal (NodeId App, IForestApp Handler)? Intercept { get; set; }

    public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
    {
        if (Intercept is { } intercept && intercept.App == app)
            intercept.Handler.OnBroadcast(node, app, round, payload);
        else
            LearnerOf(node).OnBroadcast(node, app, round, payload);
    }

    public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
    {
        if (Intercept is { } intercept && intercept.App == app)
            intercept.Handler.OnAggregated(node, app, round, merged, contributions);
        else
            LearnerOf(node).OnAggregated(node, app, round, merged, contributions);
    }

    public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint)
        => LearnerOf(node).OnRootTakeover(node, app, round, checkpoint);

    public void OnAttached(ForestNode node, NodeId app) => LearnerOf(node).OnAttached(node, app);

    public void OnTimer(ForestNode node, NodeId app) => LearnerOf(node).OnTimer(node, app);

    public void OnDiscovered(ForestNode node, Advertisement advertisement)
    {
        _host.Log.Debug($"node {node.Overlay.Id} heard of app {advertisement.Name} ({advertisement.App})");
        LearnerOf(node).OnDiscovered(node, advertisement);
    }

    public void OnAppMessage(ForestNode node, PeerHandle from, AppMessageView message)
    {
        // A test's handler takes messages routed to its key and answers of a tag neither the learners nor traces use.
        if (Intercept is { } intercept && (message.IsRouted ? message.Key == intercept.App : message.Tag is not (LearningMessage.Tag or TraceTag)))
        {
            intercept.Handler.OnAppMessage(node, from, message);
            return;
        }

        if (message.Tag != TraceTag)
        {
            LearnerOf(node).OnAppMessage(node, from, message);
            return;
        }

        if (message.IsRouted)
            node.SendDirect(from, TraceTag, Payload.SizeOnly(0, message.Hops), message.Stamp); // the hops ride in the weight
        else if (message.Payload is { } answer)
            Traced?.Invoke(message.Stamp, from, node.IdOf(from), (int)answer.Weight);
    }

    // ---- IOverlayListener -----------------------------------------------------------------------------------

    public void OnJoined(PastryNode node) => _host.OnJoined(node.Id);

    public void OnJoinStalled(PastryNode node, PeerHandle bootstrap, int attempts) => _host.OnJoinStalled(node, bootstrap, attempts);

    public void OnPeerDead(PastryNode node, PeerHandle peer) => _host.OnPeerDead(node, peer);

    public void OnDeliver(PastryNode node, PeerHandle from, in Message message)
    {
        // Plain lookups end here; everything the host asks travels as the app layer's own messages.
    }

    private sealed class Loading
    {
        public FederatedWorkload? Workload { get; set; }

        public string? Error { get; set; }

        public List<Action<FederatedWorkload?, string?>> Waiting { get; } = [];
    }
}
