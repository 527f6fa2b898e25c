using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>A snapshot of a node's place in one tree (for metrics and tests).</summary>
public readonly record struct TreeInfo(bool IsRoot, bool IsSubscriber, PeerHandle Parent, PeerHandle[] Children, int Round, int ReplicaRound, Payload? ReplicaModel);
