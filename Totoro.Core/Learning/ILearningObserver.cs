using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// Watches the learning layer of nodes (a simulated world's report, a host's log and status): it is told what a
/// node's master did, and only reads. Nothing a node decides depends on it.
/// </summary>
public interface ILearningObserver
{
    /// <summary>A node's master began training the app (round 1 is on its way).</summary>
    void OnStarted(NodeId app, FederatedMaster master, long now)
    {
    }

    /// <summary>A node's master closed a round.</summary>
    void OnRoundCompleted(NodeId app, FederatedMaster master, RoundRecord record)
    {
    }

    /// <summary>A node took the app over from a replica; <paramref name="modelRestored"/> is false when the model was lost.</summary>
    void OnResumed(NodeId app, FederatedMaster master, bool modelRestored, long now)
    {
    }

    /// <summary>A successor of the app's first root announced it: that root was gone before the app trained.</summary>
    void OnSuccessorAnnounced(NodeId app, string name, long now)
    {
    }
}
