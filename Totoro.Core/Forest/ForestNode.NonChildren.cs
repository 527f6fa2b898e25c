using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// A parent that dropped a child (a silent-child audit, the overlay declaring it dead, a displacement) may not have
/// told it, or its word may have been lost: the child keeps its parent, sends its updates there, and its whole subtree
/// is missing from every round until a keep-alive audit, tens of seconds later, finds the parent silent. So a node that
/// gets what only a child sends (an update, a chunk of one, a height report) from a peer it does not count as its child
/// answers with <see cref="TreeMessages.NotChild"/>, at most once per <see cref="NotChildAnswerGapMicros"/> per peer (a
/// flood of chunks gets one answer, not one each); the peer, if that node is its current parent, re-joins at once. A
/// node that once sent a parent a LEAVE reports its height to it at once when that parent adopts it again, so a LEAVE
/// that crossed the new ack (and dropped it there unseen) is answered too.
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>Least time between two not-a-child answers to one peer (µs).</summary>
    internal const long NotChildAnswerGapMicros = 500_000;

    private Dictionary<PeerHandle, long>? _notChildAnsweredAt;

    /// <summary>Not-a-child answers this node sent: a child's message came from a peer it does not count as its child.</summary>
    public long NotChildAnswers { get; private set; }

    /// <summary>Times this node re-joined because its parent answered that it does not count it as a child.</summary>
    public int DisownedRejoins { get; private set; }

    /// <summary>A message only a child sends came from <paramref name="from"/>: if it is not a child here, say so (rate-limited).</summary>
    private void AnswerIfNotChild(TreeState state, PeerHandle from)
    {
        if (from == _context.Self || from.IsNone || state.Children.Contains(from))
            return;
        long now = _context.Now;
        _notChildAnsweredAt ??= [];
        if (_notChildAnsweredAt.TryGetValue(from, out long at) && now - at < NotChildAnswerGapMicros)
            return;
        if (_notChildAnsweredAt.Count >= 64)
            ForgetOldNotChildAnswers(now);
        _notChildAnsweredAt[from] = now;
        NotChildAnswers++;
        SendControl(from, TreeMessages.NotChild(state.App.Id));
    }

    private void ForgetOldNotChildAnswers(long now)
    {
        foreach ((PeerHandle peer, long at) in _notChildAnsweredAt!)
        {
            if (now - at >= NotChildAnswerGapMicros)
                _notChildAnsweredAt.Remove(peer);
        }
    }

    /// <summary>Tells a parent or former parent that this node is not its child, and remembers whom it told.</summary>
    private void LeaveUp(TreeState state, PeerHandle peer)
    {
        const int Kept = 4;
        SendControl(peer, TreeMessages.Leave(state.App.Id));
        PeerHandle[] told = state.LeftTo ?? [];
        if (Array.IndexOf(told, peer) < 0)
            state.LeftTo = told.Length < Kept ? [.. told, peer] : [.. told[1..], peer];
    }

    /// <summary>Whether this node sent <paramref name="peer"/> a LEAVE of this tree lately (it may still be on its way).</summary>
    private static bool LeftBefore(TreeState state, PeerHandle peer) => state.LeftTo is { } told && Array.IndexOf(told, peer) >= 0;

    /// <summary>
    /// A node says it does not count this one as its child. Only the current parent's word counts: an answer from a
    /// former parent (this node moved on, and something it had queued for it arrived late) changes nothing.
    /// </summary>
    private void OnNotChild(PeerHandle from, NodeId app)
    {
        if (Tree(app) is not { } state || state.IsRoot || state.Parent != from)
            return;
        DisownedRejoins++;
        LoseParent(state, from, silent: false); // ForestNode.Repair.cs: the grandparent first
    }
}
