using Totoro.Core.Planning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// A whole payload still to be cut into chunks and sent (the root's broadcast, a merged update going up whole, a
/// root's replica): cut one chunk at a time, when the uplink has room for it, so a node never holds more than the
/// payload and a chunk. <paramref name="control"/>: sent straight to the peer as control traffic (a replica), not
/// as a planned tree flow. A control source may have no tree (an app-layer answer: <see cref="ForestNode.SendDirect"/>).
/// </summary>
internal sealed class ChunkSource(TreeState? state, FlowDirection direction, PeerHandle[] peers, Payload whole, Func<Payload, Message> wrap, bool control = false)
{
    public TreeState? State => state;

    public PeerHandle[] Peers => peers;

    private readonly int _count = ModelChunks.CountOf(whole.ContentBytes);
    private int _next;

    public bool Done => _next >= _count;

    /// <summary>The next chunk, as one send to each peer (each peer gets chunk k before any gets chunk k + 1).</summary>
    public void CutNext(Queue<ChunkSend> into)
    {
        Message message = wrap(ModelChunks.Slice(whole, _next++));
        foreach (PeerHandle peer in peers)
            into.Enqueue(new ChunkSend(state, direction, peer, message, control));
    }
}

/// <summary>One chunk message waiting for room on this node's uplink.</summary>
internal readonly record struct ChunkSend(TreeState? State, FlowDirection Direction, PeerHandle Peer, Message Message, bool Control = false);
