using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Up the tree, every child of a node sends to the same downlink at once (incast): unpaced, 16 children's 85 MB
/// updates queued 1.4 GB ahead of that node's pings and keep-alives, about a minute at 200 Mbit/s, so its
/// neighbours declared it dead mid-round and its subtree's contributions were lost. So the parent acks every chunk
/// it gets, and a child keeps at most <see cref="UpWindowChunks"/> chunks unacked on their way to one parent: the
/// parent's downlink then holds at most fanout × that ahead of anything else.
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>
    /// 8 chunks (2 MiB): at fanout 16 a downlink holds at most 32 MiB of chunks ahead of a ping or keep-alive (2.7 s
    /// at 100 Mbit/s, the slowest simulated downlink; under the 3 s probe timeout and far under the 30 s parent
    /// timeout), while one child alone still keeps an 80 Mbit/s uplink busy over a path of up to about 90 ms.
    /// </summary>
    internal const int UpWindowChunks = 8;

    private Dictionary<PeerHandle, UpFlow>? _upFlows;

    /// <summary>Acks this node sent for chunks that came up to it.</summary>
    public long ChunkAcksSent { get; private set; }

    /// <summary>An up chunk may go now (it is counted in flight), or it waits for an ack from its parent.</summary>
    private bool TakeUpCredit(in ChunkSend send)
    {
        _upFlows ??= [];
        if (!_upFlows.TryGetValue(send.Peer, out UpFlow? flow))
            _upFlows[send.Peer] = flow = new UpFlow();
        if (flow.InFlight >= UpWindowChunks || flow.Waiting.Count > 0)
        {
            flow.Waiting.Enqueue(send);
            return false;
        }

        if (flow.InFlight++ == 0)
            flow.Moved = _context.Now;
        return true;
    }

    /// <summary>At a parent: every chunk that comes up is acked, refused or not, so the child's window moves on.</summary>
    private void AckUpChunk(PeerHandle from, NodeId app, int round)
    {
        ChunkAcksSent++;
        _context.Send(from, TreeMessages.AggregateChunkAck(app, round));
    }

    /// <summary>At a child: one chunk left the parent's downlink, so the next waiting one may go.</summary>
    private void OnUpChunkAck(PeerHandle from)
    {
        if (_upFlows is null || !_upFlows.TryGetValue(from, out UpFlow? flow))
            return;
        flow.InFlight = Math.Max(0, flow.InFlight - 1);
        flow.Moved = _context.Now;
        SendWaiting(from, flow);
    }

    private void SendWaiting(PeerHandle peer, UpFlow flow)
    {
        while (flow.InFlight < UpWindowChunks && flow.Waiting.TryDequeue(out ChunkSend next))
        {
            flow.InFlight++;
            SendTreeData(next.State!, next.Direction, next.Peer, next.Message); // ForestNode.Planning.cs
        }

        if (flow.InFlight == 0)
            _upFlows!.Remove(peer);
    }

    /// <summary>
    /// On maintenance: a window that has not moved for a parent timeout lost its acks (the parent restarted under the
    /// same address, or they were dropped): counted as arrived, so what waits goes on rather than waiting for good.
    /// </summary>
    private void RefreshUpFlows(long now)
    {
        if (_upFlows is not { Count: > 0 } flows)
            return;
        foreach ((PeerHandle peer, UpFlow flow) in flows.ToList())
        {
            if (flow.Waiting.TryPeek(out ChunkSend head) && now - flow.Moved > head.State!.App.Options.ParentTimeoutMicros)
            {
                flow.InFlight = 0;
                flow.Moved = now;
                SendWaiting(peer, flow);
            }
        }
    }

    /// <summary>A parent died: what waits for its acks never goes.</summary>
    private void DropUpFlow(PeerHandle peer) => _upFlows?.Remove(peer);

    private sealed class UpFlow
    {
        public int InFlight;
        public long Moved; // when the window last moved (a chunk sent into an empty one, or an ack)
        public readonly Queue<ChunkSend> Waiting = new();
    }
}
