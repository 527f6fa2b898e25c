using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// A node's own memory of app state across restarts (a host's --data-dir): the newest replica of every app the node
/// is root of or holds a replica for, as the replica message itself (round, checkpoint, descriptor). A node restarted
/// with it gets them back through <see cref="ForestNode.RestoreReplica"/>. The simulator's nodes keep none.
/// </summary>
public interface IReplicaStore
{
    /// <summary>Keeps <paramref name="replica"/> (a <see cref="TreeKind.Replica"/> message) as the newest state of its app.</summary>
    void Save(in Message replica);
}
