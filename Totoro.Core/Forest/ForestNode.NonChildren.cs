using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// A parent that dropped a child (a silent-child audit, the overlay declaring it dead, a displacement) may not have
/// told it, or its word may have been lost: the child keeps its parent, sends its updates there, and its whole subtree
/// is missing from every round until a keep-alive audit, tens of seconds later, finds the parent silent. So a node that
/// gets what only a child sends (an update, a chunk of one, a height report) from a peer it does not count as its child
/// answers with <see cref="TreeMessages.NotChild"/>, at most once per <see cref="NotChildAnswerGapMicros"/> per peer (a
/// flood of chunks gets one answer, not one each); the peer, if that node is its current parent, re-joins at once. A
/// node also answers every LEAVE from a child with the same word: a child that really left has another parent and
/// ignores it, but a stale LEAVE (one the child sent before this node adopted it again, answering a stray round of a
/// former stint, say) drops a child that still takes this node for its parent, and the word, behind the new ack,
/// makes it re-join.
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>Least time between two not-a-child answers to one peer (µs).</summary>
    internal const long NotChildAnswerGapMicros = 500_000;

    private Dictionary<PeerHandle, long>? _notChildAnsweredAt;
    private bool _departed; // left gracefully (Leave): its parents' answers are no reason to join again

    /// <summary>Not-a-child answers this node sent: a child's message came from a peer it does not count as its child.</summary>
    public long NotChildAnswers { get; private set; }

    /// <summary>Times this node re-joined because its parent answered that it does not count it as a child.</summary>
    public int DisownedRejoins { get; private set; }

    /// <summary>A message only a child sends came from <paramref name="from"/>: if it is not a child here, say so (rate-limited).</summary>
    private void AnswerIfNotChild(TreeState state, PeerHandle from)
    {
        if (from == _context.Self || from.IsNone || state.Children.Contains(from))
            return;
        if (state.Aggregation is { InFlight: true } open && open.IsAwaited(from, self: false))
            return; // a former child answering a round it took from here before it moved (ForestNode.Moves.cs)
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

    /// <summary>
    /// A node says it does not count this one as its child. Only the current parent's word counts: an answer from a
    /// former parent (this node moved on, and something it had queued for it arrived late) changes nothing.
    /// </summary>
    private void OnNotChild(PeerHandle from, NodeId app)
    {
        if (_departed || Tree(app) is not { } state || state.IsRoot || state.Parent != from)
            return;
        DisownedRejoins++;
        LoseParent(state, from, silent: false); // ForestNode.Repair.cs: the grandparent first
    }
}
