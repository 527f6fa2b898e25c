using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// An observer's account of every app it watched: the master that holds the app now (its state came along in the
/// replicas, so its history is the app's), take-overs, rounds done twice and models lost.
/// </summary>
public sealed class LearningLedger : ILearningObserver
{
    private readonly Dictionary<NodeId, Entry> _apps = [];

    public IReadOnlyDictionary<NodeId, Entry> Apps => _apps;

    public Entry? this[NodeId app] => _apps.TryGetValue(app, out Entry? entry) ? entry : null;

    /// <summary>Every watched app has finished (false while none has started).</summary>
    public bool AllFinished(IEnumerable<NodeId> apps) => apps.All(a => this[a]?.Master.Finished == true);

    public void OnStarted(NodeId app, FederatedMaster master, long now) => Get(app, master);

    public void OnRoundCompleted(NodeId app, FederatedMaster master, RoundRecord record)
    {
        Entry entry = Get(app, master);
        entry.Master = master;
        entry.MostRounds = Math.Max(entry.MostRounds, master.CompletedRounds);
    }

    public void OnResumed(NodeId app, FederatedMaster master, bool modelRestored, long now)
    {
        Entry entry = Get(app, master);
        entry.Master = master;
        entry.Takeovers++;
        entry.RoundsLost += Math.Max(0, entry.MostRounds - master.CompletedRounds);
        if (!modelRestored && master.CompletedRounds > 0)
            entry.ModelsLost++;
    }

    private Entry Get(NodeId app, FederatedMaster master)
    {
        if (!_apps.TryGetValue(app, out Entry? entry))
            _apps[app] = entry = new Entry(master);
        return entry;
    }

    public sealed class Entry(FederatedMaster master)
    {
        /// <summary>The master that last acted for the app (the root's).</summary>
        public FederatedMaster Master { get; internal set; } = master;

        public int Takeovers { get; internal set; }

        /// <summary>Completed rounds a take-over threw away (the heir's replica was older than the dead root's state).</summary>
        public int RoundsLost { get; internal set; }

        /// <summary>Take-overs that found no model in the replica, so training restarted from the initial model.</summary>
        public int ModelsLost { get; internal set; }

        /// <summary>The most rounds any master of the app had completed.</summary>
        public int MostRounds { get; internal set; }
    }
}
