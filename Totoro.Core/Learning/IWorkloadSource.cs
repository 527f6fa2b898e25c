namespace Totoro.Core.Learning;

/// <summary>
/// Where a node gets an app's data and model shape from its descriptor: like files on its disk, read-only. The
/// simulator's source loads each app once for the world (immutable, so sharing it shares no state); a host's loads
/// off its event loop and says "not yet" meanwhile.
/// </summary>
public interface IWorkloadSource
{
    /// <summary>The app's workload, or false while it is not available here (yet, or at all: see the host's log).</summary>
    bool TryGet(LearningAppInfo app, out FederatedWorkload? workload);
}

/// <summary>Loads each app's workload once, on first use, on the caller's thread.</summary>
public sealed class WorkloadCache(DatasetCache? datasets = null) : IWorkloadSource
{
    private readonly DatasetCache _datasets = datasets ?? new DatasetCache();
    private readonly Dictionary<(AppSpec, ulong), FederatedWorkload> _loaded = [];

    public bool TryGet(LearningAppInfo app, out FederatedWorkload? workload)
    {
        if (!_loaded.TryGetValue((app.Spec, app.Seed), out workload))
            _loaded[(app.Spec, app.Seed)] = workload = FederatedWorkload.Load(app.Spec, app.Seed, _datasets);
        return true;
    }

    /// <summary>Makes an already loaded workload available (the scenario loads it to size the world).</summary>
    public void Add(ulong seed, FederatedWorkload workload) => _loaded[(workload.Spec, seed)] = workload;
}
