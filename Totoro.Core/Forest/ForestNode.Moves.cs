using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Rounds while children move (a planner's parent move, a re-join; docs/planning.md I.8): every worker's update must
/// still reach the root once a round.
/// <list type="bullet">
/// <item>A node answers a round to the peer it took the round from, which counted it as a child then and waits for
/// it, however the node moves meanwhile; its LEAVE names that round, so the old parent keeps waiting (an update's last
/// chunks, or a relayed update, may come after the LEAVE); a new parent that sends it the same round gets an empty
/// answer.</item>
/// <item>A round the old parent sent before the mover's LEAVE reached it, and that the mover has not taken from the
/// new parent, is taken from the old one and answered there: the new parent began it without the mover and will not
/// send it, so turned down, the mover's subtree would miss the round. The LEAVE is flagged a move, and the old parent
/// keeps waiting for the rounds it sent; the mover answers each (its update, or a LEAVE that ends the wait when it
/// took that round from the new parent first).</item>
/// <item>Such a mover answers its new parent's copy of the round with nothing, and the selectors above will route its
/// workers' next round by the reports of its update, down the old parent's branch, which no longer takes it: so with
/// the empty answer it asks its new parent to mark it grown again (below).</item>
/// <item>Likewise the round after the last one the mover took from the old parent, when it opens there after the move:
/// the root may have begun it before the new parent took the mover in, and the new parent's branch may not be in it at
/// all (it had no worker below it then). The old parent sends it to the mover too, which takes it or turns it down as
/// above.</item>
/// <item>A mover brings its subtree's workers to a new place, but the selectors above it (<see cref="IChildSelector"/>,
/// e.g. the participant router) still place them where their reports last came up: the next round would go down the
/// old path, where the mover no longer takes it. So a node that adopts a child marks it grown and tells its parent,
/// which marks it grown and tells its own, up to the root (at most once a round a node), and the next round goes
/// down to every grown child whatever the selector chose.</item>
/// </list>
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>Height reports flagged <see cref="TreeFlags.Grew"/> this node sent: its subtree took in nodes.</summary>
    public long GrewReports { get; private set; }

    /// <summary>The next round goes down to <paramref name="child"/>; the ancestors learn that this subtree grew.</summary>
    private void MarkGrown(TreeState state, PeerHandle child)
    {
        (state.Grown ??= []).Add(child);
        if (state.IsRoot || state.Parent.IsNone || state.Joining || state.GrewToldRound == state.Round)
            return; // a round has not come down since the last word: the parent still holds this node grown
        state.GrewToldRound = state.Round;
        state.ToldHeight = state.Height;
        GrewReports++;
        SendControl(state.Parent, TreeMessages.HeightReport(state.App.Id, state.ToldHeight, grew: true));
    }

    /// <summary>Adds the grown children the selector left out to the round's <paramref name="n"/> chosen ones; the marks are spent.</summary>
    private static int AddGrown(TreeState state, Span<PeerHandle> chosen, int n)
    {
        if (state.Grown is not { Count: > 0 } grown)
            return n;
        foreach (PeerHandle child in state.Children)
        {
            if (grown.Contains(child) && !chosen[..n].Contains(child))
                chosen[n++] = child;
        }

        grown.Clear();
        return n;
    }

    /// <summary>
    /// This node answered its parent's round with nothing, its update having gone to the former parent it took the round
    /// from: the selectors above will route its workers by the reports of that update, down the former parent's branch,
    /// and the marks its adoption left above are spent. Its parent marks it grown again, and tells its own parent, so
    /// the next round comes down this way.
    /// </summary>
    private void KeepNextRoundComing(TreeState state)
    {
        GrewReports++;
        state.ToldHeight = state.Height;
        SendControl(state.Parent, TreeMessages.HeightReport(state.App.Id, state.ToldHeight, grew: true));
    }

    /// <summary>A child moved away after taking <paramref name="answered"/> from here: the round after goes to it too, if it opens here.</summary>
    private static void NoteMovedAway(TreeState state, PeerHandle mover, int answered)
    {
        List<(PeerHandle Mover, int Answered)> moved = state.MovedAway ??= [];
        for (int i = moved.Count - 1; i >= 0; i--)
        {
            if (moved[i].Mover == mover)
                moved.RemoveAt(i);
        }

        moved.Add((mover, answered));
    }

    /// <summary>Adds the movers whose next round this is to the round's <paramref name="n"/> chosen ones; the notes of this round and older are spent.</summary>
    private static int AddMovedAway(TreeState state, int round, Span<PeerHandle> chosen, int n)
    {
        if (state.MovedAway is not { Count: > 0 } moved)
            return n;
        foreach ((PeerHandle mover, int answered) in moved)
        {
            if (answered + 1 == round && !chosen[..n].Contains(mover))
                chosen[n++] = mover;
        }

        for (int i = moved.Count - 1; i >= 0; i--)
        {
            if (moved[i].Answered < round)
                moved.RemoveAt(i); // spent or stale (no closure: this runs at every round of a node a child left)
        }

        return n;
    }

    /// <summary>This node took <paramref name="round"/> from <paramref name="from"/>: its answer goes there, wherever this node moves meanwhile.</summary>
    private static void TookRound(TreeState state, PeerHandle from, int round)
    {
        if (from == state.Parent)
            state.FormerParent = PeerHandle.None; // a round came from the new parent: the old one sent its last
        state.RoundFrom = from;
        state.RoundFromRound = round;
        state.RoundFromGone = false;
    }

    /// <summary>
    /// Whether <paramref name="round"/>, from <paramref name="from"/> that is not this node's parent, is one the parent it
    /// moved from sent before hearing of the move, and that this node has taken from no one: it takes it from there.
    /// </summary>
    private static bool TakesFromFormerParent(TreeState state, PeerHandle from, int round)
        => !from.IsNone && from == state.FormerParent && round > state.RoundFromRound && round >= state.Round;

    /// <summary>
    /// Whom this node answers <paramref name="round"/> (its update, its subtree's merged): the peer it took the round
    /// from, which counted it as a child then and waits for it, even if this node has moved since; its parent when
    /// that peer is gone. Recorded as answered.
    /// </summary>
    private static PeerHandle Answering(TreeState state, int round)
    {
        PeerHandle to = AnswerTarget(state, round);
        state.AnsweredTo = to;
        state.AnsweredRound = round;
        return to;
    }

    private static PeerHandle AnswerTarget(TreeState state, int round)
        => !state.RoundFrom.IsNone && !state.RoundFromGone && state.RoundFromRound == round ? state.RoundFrom : state.Parent;

    /// <summary>
    /// This node will not answer its last round after all (it became a root, or it leaves): a former parent it took
    /// the round from, which waits for it, is told to stop (the current parent gets its own LEAVE).
    /// </summary>
    private void ReleaseRoundFrom(TreeState state)
    {
        if (state.RoundFrom.IsNone || state.RoundFromGone)
            return;
        state.RoundFromGone = true;
        if (state.RoundFrom != state.Parent)
            SendControl(state.RoundFrom, TreeMessages.Leave(state.App.Id));
    }

    /// <summary>The round a LEAVE to <paramref name="peer"/> says this node still answers there: the last it took from it (0: none).</summary>
    private static int AnsweredThrough(TreeState state, PeerHandle peer) => state.RoundFrom == peer && !state.RoundFromGone ? state.RoundFromRound : 0;
}
