using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// The learning layer of one node: it meets an app through the forest (its descriptor arrives in JOINs and
/// replicas), loads its workload from the node's own source, and plays whatever role the node has in it — master
/// at the root, worker where the node holds a share of the data, nothing else where it only merges (the forest does
/// that). A node may be master of one app, aggregator of others and worker of more, all at once.
/// </summary>
public sealed class LearningNode : IForestApp
{
    private readonly Func<long> _clock;
    private readonly IWorkloadSource _workloads;
    private readonly ILearningObserver? _observer;
    private readonly Action<Func<Payload>, Action<Payload>> _train;
    private Dictionary<NodeId, FederatedApp>? _apps;
    private Dictionary<NodeId, (int Worker, Func<double, long>? Compute)>? _shares;

    /// <param name="train">
    /// How the node's training runs: inline (the simulator, whose devices take their time through the forest's
    /// delayed contribution), or on another thread with the result posted back to the node's turn (a real host).
    /// </param>
    public LearningNode(Func<long> clock, IWorkloadSource workloads, ILearningObserver? observer = null, Action<Func<Payload>, Action<Payload>>? train = null)
    {
        _clock = clock;
        _workloads = workloads;
        _observer = observer;
        _train = train ?? ((work, done) => done(work()));
    }

    public IEnumerable<FederatedApp> Apps => _apps?.Values ?? Enumerable.Empty<FederatedApp>();

    /// <summary>Apps whose descriptor this node could not serve (no learning info, or its data not available here).</summary>
    public int Unserved { get; private set; }

    /// <summary>
    /// This node holds share <paramref name="worker"/> of the app's data (its own files, or a shard given to it), on a
    /// device that computes for the given FLOPs in the returned µs (null: training takes the time it takes).
    /// </summary>
    public void Hold(NodeId app, int worker, Func<double, long>? computeMicros = null)
    {
        _shares ??= [];
        _shares[app] = (worker, computeMicros);
        if (_apps is not null && _apps.TryGetValue(app, out FederatedApp? known))
            Bind(known);
    }

    /// <summary>The node no longer holds a share of the app.</summary>
    public void Release(NodeId app)
    {
        _shares?.Remove(app);
        if (_apps is not null && _apps.TryGetValue(app, out FederatedApp? known))
            known.Worker = -1;
    }

    public bool Holds(NodeId app, out int worker)
    {
        worker = -1;
        if (_shares is null || !_shares.TryGetValue(app, out var share))
            return false;
        worker = share.Worker;
        return true;
    }

    /// <summary>At the app's root: begins training. False when this node cannot serve the app (see <see cref="Unserved"/>).</summary>
    public bool Start(ForestNode node, NodeId app)
    {
        if (App(node, app) is not { } fl)
            return false;
        fl.Start(node, _clock());
        return true;
    }

    public bool TryGet(NodeId app, out FederatedApp? fl)
    {
        fl = null;
        return _apps is not null && _apps.TryGetValue(app, out fl);
    }

    public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
    {
        if (App(node, app) is { } fl)
            fl.OnBroadcast(node, round, payload, _train);
        else if (node.TryGetTree(app, out TreeInfo info) && info.IsSubscriber)
            node.Decline(app, round); // the tree must not wait for a worker that cannot train
    }

    public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
    {
        if (TryGet(app, out FederatedApp? fl))
            fl!.OnAggregated(node, round, merged, contributions, _clock());
    }

    public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint)
        => App(node, app)?.OnRootTakeover(node, round, checkpoint, _clock());

    /// <summary>The node's instance of the app, made the first time the node meets it (null when it cannot serve it).</summary>
    private FederatedApp? App(ForestNode node, NodeId app)
    {
        if (TryGet(app, out FederatedApp? known))
            return known;
        if (node.Descriptor(app) is not { } descriptor || !LearningAppInfo.TryDecode(descriptor.Application, out LearningAppInfo? info, out _)
            || !_workloads.TryGet(info!, out FederatedWorkload? workload))
        {
            Unserved++;
            return null;
        }

        var fl = new FederatedApp(app, info!, workload!, _observer);
        Bind(fl);
        _apps ??= [];
        _apps[app] = fl;
        return fl;
    }

    private void Bind(FederatedApp fl)
    {
        if (_shares is not null && _shares.TryGetValue(fl.Id, out var share))
        {
            fl.Worker = share.Worker;
            fl.ComputeMicros = share.Compute;
        }
    }
}
