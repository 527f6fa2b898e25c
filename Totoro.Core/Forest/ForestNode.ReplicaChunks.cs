using Totoro.Core.Planning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// A root's state above one chunk (docs/big-models.md): its replicas (and the hand-overs and pull answers laid out as
/// replicas) travel as <see cref="ModelChunks"/>, one holder after the other, closest first, and only while the
/// uplink has nothing of a round to send. A holder puts the chunks back together and takes the whole as it took a
/// whole replica. Whole, an 85 MB checkpoint to 3 holders held a root's uplink for about 36 s, longer than the parent
/// timeout, so its children took it for dead mid-round; and in real mode it did not fit one reliable frame.
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>
    /// Replicas one sender may have half-sent here at once. A root sends its holders one state after the other, so a
    /// sender has one or two in flight; more is a sender that starts wholes it never finishes, and the oldest goes.
    /// </summary>
    internal const int ReplicaDownloadsPerSender = 4;

    private Queue<ChunkSource>? _replicaSources;
    private Dictionary<(NodeId App, PeerHandle From), ReplicaDownload>? _replicaDownloads;
    private long _replicaDownloadsStarted;

    /// <summary>Replicas (and hand-overs) this node sent in chunks.</summary>
    public int ChunkedReplicasSent { get; private set; }

    /// <summary>Chunked replicas (and hand-overs) this node put back together whole.</summary>
    public int ChunkedReplicasAssembled { get; private set; }

    /// <summary>A replica to one holder: whole when it fits one chunk, as it always did; else in chunks, behind the rounds.</summary>
    private void SendReplica(TreeState state, PeerHandle peer, in Message replica)
    {
        if (replica.Payload is not { } sealedState || !ModelChunks.IsChunked(sealedState))
        {
            SendControl(peer, replica);
            return;
        }

        ChunkedReplicasSent++;
        // A newer state for the same holder replaces what of the older one is still uncut: only the newest is worth the bytes.
        if (_replicaSources is { Count: > 0 } queued)
            _replicaSources = new Queue<ChunkSource>(queued.Where(s => s.State != state || s.Peers[0] != peer));
        Message template = replica;
        (_replicaSources ??= new Queue<ChunkSource>()).Enqueue(new ChunkSource(state, FlowDirection.Down, [peer], sealedState, chunk => template with { Payload = chunk, Flags = TreeFlags.Chunk }, control: true));
        PumpChunks(); // ForestNode.Chunks.cs
    }

    /// <summary>
    /// A chunk of a replica or hand-over: kept with the sender's others until the whole is in, then taken as a whole
    /// one. Only a leaf-set neighbour has a reason to send one (a root's holders, a pull's answer and a hand-over are
    /// all among the closest nodes to the app), and only a few at a time: anyone else could fill this node's memory.
    /// </summary>
    private void OnReplicaChunk(PeerHandle from, in Message message, Payload chunk)
    {
        if (!ModelChunks.TryRead(chunk, out ChunkHeader header, out string? error))
        {
            RefuseChunk(error); // ForestNode.Chunks.cs
            return;
        }

        if (!Overlay.KnowsOf(from))
        {
            RefuseChunk($"a replica chunk from {from}, not a leaf-set neighbour");
            return;
        }

        var key = (message.Key, from);
        _replicaDownloads ??= [];
        if (_replicaDownloads.TryGetValue(key, out ReplicaDownload? download))
        {
            if (message.Round < download.Round)
                return; // an older state's chunk still on its way: the newer one replaced it
            if (message.Round > download.Round || message.Kind != download.Kind || !download.Assembler.Matches(header))
                download = null;
        }

        if (download is null)
        {
            ForgetOldestDownloadOver(from, ReplicaDownloadsPerSender - 1, message.Key);
            _replicaDownloads[key] = download = new ReplicaDownload(message.Kind, message.Round, new ChunkAssembler(header, keepContent: true), ++_replicaDownloadsStarted);
        }

        if (!download.Assembler.Add(header, chunk) || !download.Assembler.IsComplete)
            return;
        _replicaDownloads.Remove(key);
        ChunkedReplicasAssembled++;
        Message whole = TreeMessages.Replica(message.Key, message.Round, download.Assembler.Build(), message.Peers) with { Kind = message.Kind };
        if (whole.Kind == TreeKind.Succeed)
            OnSucceed(from, new ReplicaView(in whole)); // ForestNode.Succession.cs
        else
            OnReplica(from, new ReplicaView(in whole)); // ForestNode.Replication.cs
    }

    /// <summary>Keeps at most <paramref name="keep"/> of a sender's other half-sent replicas: the oldest started go.</summary>
    private void ForgetOldestDownloadOver(PeerHandle from, int keep, NodeId starting)
    {
        List<KeyValuePair<(NodeId App, PeerHandle From), ReplicaDownload>> others = [.. _replicaDownloads!.Where(d => d.Key.From == from && d.Key.App != starting)];
        foreach (var old in others.OrderBy(d => d.Value.Started).Take(others.Count - keep))
        {
            _replicaDownloads!.Remove(old.Key);
            RefuseChunk($"{from} has {others.Count + 1} replicas half-sent here; the oldest is dropped");
        }
    }

    /// <summary>A sender died: its half-sent replicas will never be whole.</summary>
    private void DropReplicaDownloads(PeerHandle peer)
    {
        if (_replicaDownloads is not { Count: > 0 } downloads)
            return;
        foreach ((NodeId App, PeerHandle From) key in downloads.Keys.Where(k => k.From == peer).ToList())
            downloads.Remove(key);
    }

    /// <summary>One sender's replica of one app coming in chunks.</summary>
    private sealed record ReplicaDownload(MessageKind Kind, int Round, ChunkAssembler Assembler, long Started);
}
