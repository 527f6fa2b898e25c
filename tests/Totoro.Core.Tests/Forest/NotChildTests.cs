using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// A parent that dropped a child without a word (here: its overlay took the child for dead) used to leave the child
/// attached to it: the child's updates went to a parent that no longer waited for them, and its subtree was missing
/// from every round until a keep-alive audit, tens of seconds on, found the parent silent (in real mode, after the
/// planner's moves: results/netns-planning/runs-notchild.txt, docs/planning.md I.8). The parent now answers what
/// only a child sends (and every LEAVE from a child) with a not-a-child word, and a child whose parent it is re-joins at
/// once; a former parent's word changes nothing.
/// </summary>
public class NotChildTests
{
    private readonly FakeNetwork _network = new(seed: 47);
    private readonly NodeId _appId = NodeId.FromRandom(0xdead_4444_0000_0000, 11);

    [Fact]
    public void A_parent_that_dropped_a_child_silently_answers_its_update_and_the_child_rejoins_through_its_grandparent()
    {
        (ForestNode parent, FakeNodeContext parentContext, PeerHandle parentHandle, PeerHandle grandparent) = Parent();
        (ForestNode child, FakeNodeContext childContext, PeerHandle childHandle) = ChildOf(parent, parentContext, parentHandle);

        // A round comes down through the parent to the child, which answers it.
        parent.Receive(grandparent, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f, 2f]), depth: 1, timeLeft: 0));
        Message down = parentContext.Drain().Single(s => s.To == childHandle && s.Message.Kind == TreeKind.Broadcast).Message;
        child.Receive(parentHandle, down);
        child.Aggregate(_appId, 1, Payload.FromVector([3f, 4f], weight: 1));
        Message update = childContext.Drain().Single(s => s.To == parentHandle && s.Message.Kind == TreeKind.Aggregate).Message;

        // Meanwhile the parent's overlay took the child for dead: dropped, and not told (it is "dead").
        parent.OnPeerDead(parent.Overlay, childHandle);
        Assert.True(parent.TryGetTree(_appId, out TreeInfo parentTree) && !parentTree.Children.Contains(childHandle));
        parentContext.Drain();

        // The update reaches a parent that does not count the child: it says so.
        parent.Receive(childHandle, update);
        Message answer = parentContext.Drain().Single(s => s.To == childHandle && s.Message.Kind == TreeKind.Leave).Message;

        // The child detaches at once and re-joins, first through its grandparent.
        child.Receive(parentHandle, answer);
        Assert.Equal(1, child.Rejoins);
        Assert.True(child.TryGetTree(_appId, out TreeInfo childTree) && childTree.Parent.IsNone && childTree.Detached);
        Assert.Contains(childContext.Drain(), s => s.To == grandparent && s.Message.Kind == TreeKind.Join && s.Message.Origin == childHandle);
    }

    [Fact]
    public void A_child_whose_stale_leave_crossed_its_readoption_is_answered_behind_the_ack_and_rejoins()
    {
        // Messages in order, none lost: the child moves away and back while a round of its old stint is still on its
        // way, and its new parent's copy of that round came first. It answers the stray round with a LEAVE, which
        // reaches the parent after the parent adopted it again: the parent drops it, and the child takes the parent's ack.
        (ForestNode parent, FakeNodeContext parentContext, PeerHandle parentHandle, PeerHandle grandparent) = Parent();
        (ForestNode child, FakeNodeContext childContext, PeerHandle childHandle) = ChildOf(parent, parentContext, parentHandle);
        parent.Receive(grandparent, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f]), depth: 1, timeLeft: 0));
        Message stray = parentContext.Drain().Single(s => s.To == childHandle && s.Message.Kind == TreeKind.Broadcast).Message;

        PeerHandle elsewhere = _network.AddRandom();
        child.Receive(elsewhere, TreeMessages.JoinAck(_appId, round: 0, fanout: 8, parents: null)); // moved away
        Message leftFirst = childContext.Drain().Single(s => s.To == parentHandle && s.Message.Kind == TreeKind.Leave).Message;
        child.Receive(elsewhere, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f]), depth: 2, timeLeft: 0)); // taken there (else the stray would be taken: MovesTests)
        childContext.Drain();
        Message back = JoinFrom(childHandle); // its planner moves it back (the JOIN goes out)...
        child.Receive(parentHandle, stray); // ...before the old stint's round reaches it, late: answered with a LEAVE
        Message leftAgain = childContext.Drain().Single(s => s.To == parentHandle && s.Message.Kind == TreeKind.Leave).Message;

        // The parent gets the three in the order they were sent; the child gets the parent's answers in order too.
        parent.Receive(childHandle, leftFirst);
        parent.Receive(childHandle, back);
        parent.Receive(childHandle, leftAgain);
        Assert.True(parent.TryGetTree(_appId, out TreeInfo parentTree) && !parentTree.Children.Contains(childHandle));
        List<FakeNodeContext.Sent> answers = parentContext.Drain().FindAll(s => s.To == childHandle);
        Assert.Equal([TreeKind.Leave, TreeKind.JoinAck, TreeKind.Leave], answers.Select(s => s.Message.Kind));
        foreach (FakeNodeContext.Sent sent in answers)
            child.Receive(parentHandle, sent.Message);

        // The first word came while the child had another parent and changed nothing; the last, behind the ack, makes
        // it re-join instead of keeping a parent that does not count it until its keep-alives lapse.
        Assert.True(child.TryGetTree(_appId, out TreeInfo childTree) && childTree.Parent != parentHandle, "the child kept a parent that does not count it");
        Assert.Equal(1, child.DisownedRejoins);
        Assert.Contains(childContext.Drain(), s => s.To == grandparent && s.Message.Kind == TreeKind.Join);
    }

    [Fact]
    public void A_child_the_overlay_wrongly_took_for_dead_is_told_and_rejoins()
    {
        (ForestNode parent, FakeNodeContext parentContext, PeerHandle parentHandle, _) = Parent();
        (ForestNode child, FakeNodeContext _, PeerHandle childHandle) = ChildOf(parent, parentContext, parentHandle);

        parent.OnPeerDead(parent.Overlay, childHandle);
        foreach (FakeNodeContext.Sent sent in parentContext.Drain().Where(s => s.To == childHandle))
            child.Receive(parentHandle, sent.Message);

        Assert.Equal(1, child.DisownedRejoins);
        Assert.True(child.TryGetTree(_appId, out TreeInfo tree) && tree.Parent.IsNone);
    }

    [Fact]
    public void A_not_a_child_word_from_a_former_parent_or_from_a_child_changes_nothing()
    {
        (ForestNode parent, FakeNodeContext parentContext, PeerHandle parentHandle, PeerHandle grandparent) = Parent();
        (ForestNode child, FakeNodeContext childContext, PeerHandle childHandle) = ChildOf(parent, parentContext, parentHandle);

        // The child moved on purpose: a new parent took it (the old one is told to let go).
        PeerHandle newParent = _network.AddRandom();
        child.Receive(newParent, TreeMessages.JoinAck(_appId, round: 0, fanout: 8, parents: null));
        Assert.Contains(childContext.Drain(), s => s.To == parentHandle && s.Message.Kind == TreeKind.Leave);

        // Something it had queued for the old parent arrived late and is answered: the old parent is not its parent now.
        child.Receive(parentHandle, TreeMessages.NotChild(_appId));
        Assert.True(child.TryGetTree(_appId, out TreeInfo tree) && tree.Parent == newParent && !tree.Detached);
        Assert.Equal(0, child.Rejoins);
        Assert.Equal(0, child.DisownedRejoins);
        Assert.DoesNotContain(childContext.Drain(), s => s.Message.Kind == TreeKind.Join);

        // Unlike a LEAVE, the word never makes a node drop the sender as its own child, nor leave its own parent.
        parent.Receive(childHandle, TreeMessages.NotChild(_appId));
        Assert.True(parent.TryGetTree(_appId, out TreeInfo parentTree) && parentTree.Children.Contains(childHandle) && parentTree.Parent == grandparent);
        Assert.Equal(0, parent.Rejoins);
    }

    [Fact]
    public void A_flood_from_a_non_child_gets_one_answer_per_gap()
    {
        (ForestNode parent, FakeNodeContext context, _, PeerHandle grandparent) = Parent();
        parent.Receive(grandparent, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f]), depth: 1, timeLeft: 0));
        context.Drain();
        PeerHandle stranger = _network.AddRandom();
        Message update = TreeMessages.Aggregate(_appId, 1, Payload.FromVector([1f], weight: 1), contributions: 1);
        Message height = TreeMessages.HeightReport(_appId, 2);

        for (int i = 0; i < 10; i++)
        {
            parent.Receive(stranger, update);
            parent.Receive(stranger, height);
            context.Advance(10_000, parent);
        }

        Assert.Single(context.Drain(), s => s.To == stranger && s.Message.Kind == TreeKind.Leave);
        context.Advance(ForestNode.NotChildAnswerGapMicros, parent);
        parent.Receive(stranger, height);
        Assert.Single(context.Drain(), s => s.To == stranger && s.Message.Kind == TreeKind.Leave && (s.Message.Flags & TreeFlags.NotChild) != 0);
        Assert.Equal(2, parent.NotChildAnswers);
        Assert.True(parent.TryGetTree(_appId, out TreeInfo tree) && !tree.Children.Contains(stranger)); // the answers adopt nobody

        // A child's own update is never answered.
        PeerHandle own = tree.Children[0];
        parent.Receive(own, update);
        Assert.DoesNotContain(context.Drain(), s => s.To == own && s.Message.Kind == TreeKind.Leave);
    }

    /// <summary>A subscriber with a parent (the grandparent of the child the tests add) and two children; the root is elsewhere.</summary>
    private (ForestNode Node, FakeNodeContext Context, PeerHandle Self, PeerHandle Parent) Parent()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle self, PeerHandle parent, _) = TreeSeat.Worker(_network, _appId);
        return (node, context, self, parent);
    }

    private (ForestNode Node, FakeNodeContext Context, PeerHandle Self) ChildOf(ForestNode parent, FakeNodeContext parentContext, PeerHandle parentHandle)
        => TreeSeat.ChildOf(_network, _appId, parent, parentContext, parentHandle);

    private Message JoinFrom(PeerHandle joiner) => TreeSeat.JoinFrom(_appId, joiner);
}
