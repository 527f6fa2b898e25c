using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// A child that moves to another parent during a round (the path planner's parent moves: docs/planning.md I.8) must
/// still bring its update to the root once. It answers the round to the parent it took the round from, whose LEAVE
/// tells that parent to keep waiting for it; a new parent that sends it the same round gets an empty answer; and a
/// parent that adopts a child sends it the next round whatever the app's selector chose, its ancestors told so.
/// </summary>
public class MovesTests
{
    private readonly FakeNetwork _network = new(seed: 53);
    private readonly NodeId _appId = NodeId.FromRandom(0xbeef_5555_0000_0000, 13);

    [Fact]
    public void A_child_that_moves_mid_round_answers_the_parent_it_took_the_round_from_which_waits_for_it()
    {
        Family f = RoundOneSentDown();
        f.Child.Receive(f.ParentHandle, f.RoundOne); // the child starts training on round 1

        // Meanwhile its planner's move lands: a new parent takes it, and the old one is told to let go.
        PeerHandle newParent = _network.AddRandom();
        f.Child.Receive(newParent, TreeMessages.JoinAck(_appId, round: 1, fanout: 8, parents: null));
        f.Parent.Receive(f.ChildHandle, f.ChildContext.Drain().Single(s => s.To == f.ParentHandle && s.Message.Kind == TreeKind.Leave).Message);
        Assert.True(f.Parent.TryGetTree(_appId, out TreeInfo parentTree) && !parentTree.Children.Contains(f.ChildHandle));
        f.ParentContext.Drain();

        // The new parent had adopted it before it started round 1 and sends it too: answered with nothing at once, and
        // asked to mark it grown again (its update's reports go up the old branch; the next round must come this way).
        f.Child.Receive(newParent, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f]), depth: 2, timeLeft: 0));
        List<FakeNodeContext.Sent> answered = f.ChildContext.Drain();
        Message empty = answered.Single(s => s.To == newParent && s.Message.Kind == TreeKind.Aggregate).Message;
        Assert.Equal(0, new AggregateView(in empty).Contributions);
        Message grew = answered.Single(s => s.To == newParent && s.Message.Kind == TreeKind.Heartbeat).Message;
        Assert.True(new HeartbeatView(in grew).Grew);

        // The update goes to the old parent, which still waits for it, and up with the round.
        f.Child.Aggregate(_appId, 1, Payload.FromVector([3f], weight: 1));
        FakeNodeContext.Sent up = Assert.Single(f.ChildContext.Drain(), s => s.Message.Kind == TreeKind.Aggregate);
        Assert.Equal(f.ParentHandle, up.To);
        f.Parent.Receive(f.ChildHandle, up.Message);
        Assert.DoesNotContain(f.ParentContext.Drain(), s => s.To == f.ChildHandle && s.Message.Kind == TreeKind.Leave); // no not-a-child word to an awaited answer
        Assert.Equal(4, OthersAnswer(f));
    }

    [Fact]
    public void A_child_that_moved_before_the_round_reached_it_takes_it_from_the_old_parent_which_waits_for_its_update()
    {
        // The child moves before round 1 reaches it; the new parent is in round 1 already, begun without it.
        Family f = RoundOneSentDown();
        PeerHandle newParent = _network.AddRandom();
        f.Child.Receive(newParent, TreeMessages.JoinAck(_appId, round: 1, fanout: 8, parents: null));
        Message leave = f.ChildContext.Drain().Single(s => s.To == f.ParentHandle && s.Message.Kind == TreeKind.Leave).Message;
        Assert.Equal(0, leave.Round); // it has taken no round from the old parent yet

        // The LEAVE, flagged a move, drops the child but not the wait for the round already on its way to it.
        f.Parent.Receive(f.ChildHandle, leave);
        Assert.True(f.Parent.TryGetTree(_appId, out TreeInfo parentTree) && !parentTree.Children.Contains(f.ChildHandle));
        f.ParentContext.Drain();
        Assert.Null(OthersAnswer(f));

        // The round comes: taken (not turned down), and the update goes to the old parent, which closes with it.
        f.Child.Receive(f.ParentHandle, f.RoundOne);
        Assert.DoesNotContain(f.ChildContext.Drain(), s => s.Message.Kind == TreeKind.Leave);
        f.Child.Aggregate(_appId, 1, Payload.FromVector([3f], weight: 1));
        FakeNodeContext.Sent up = Assert.Single(f.ChildContext.Drain(), s => s.Message.Kind == TreeKind.Aggregate);
        Assert.Equal(f.ParentHandle, up.To);
        Message update = up.Message;
        Assert.Equal(1, new AggregateView(in update).Contributions);
        f.Parent.Receive(f.ChildHandle, up.Message);
        Assert.Equal(4, UpContributions(f));

        // The new parent's own round 1, were it to come after all, gets an empty answer: the update went once.
        f.Child.Receive(newParent, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f]), depth: 2, timeLeft: 0));
        Message empty = f.ChildContext.Drain().Single(s => s.To == newParent && s.Message.Kind == TreeKind.Aggregate).Message;
        Assert.Equal(0, new AggregateView(in empty).Contributions);
    }

    [Fact]
    public void A_round_the_old_parent_sends_after_the_new_parent_sent_it_is_turned_down_and_ends_the_old_wait()
    {
        Family f = RoundOneSentDown();
        PeerHandle newParent = _network.AddRandom();
        f.Child.Receive(newParent, TreeMessages.JoinAck(_appId, round: 0, fanout: 8, parents: null));
        f.Parent.Receive(f.ChildHandle, f.ChildContext.Drain().Single(s => s.To == f.ParentHandle && s.Message.Kind == TreeKind.Leave).Message);
        f.ParentContext.Drain();

        // The new parent's round 1 reaches the child first: its update goes there, and the old parent's copy is turned down.
        f.Child.Receive(newParent, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f]), depth: 2, timeLeft: 0));
        f.Child.Receive(f.ParentHandle, f.RoundOne);
        Message turnedDown = f.ChildContext.Drain().Single(s => s.To == f.ParentHandle && s.Message.Kind == TreeKind.Leave).Message;
        Assert.Equal(0, turnedDown.Round);
        Assert.Equal(MessageFlags.None, turnedDown.Flags & TreeFlags.Move);
        f.Parent.Receive(f.ChildHandle, turnedDown);
        Assert.Equal(3, OthersAnswer(f));

        f.Child.Aggregate(_appId, 1, Payload.FromVector([3f], weight: 1));
        Assert.Equal(newParent, Assert.Single(f.ChildContext.Drain(), s => s.Message.Kind == TreeKind.Aggregate).To);
    }

    [Fact]
    public void The_round_after_a_movers_last_goes_to_it_from_the_old_parent_when_it_opens_there_after_the_move()
    {
        // The child answers round 1 here, then moves; the root had begun round 2 before the new parent took it in, and
        // the new parent's branch is not in round 2 at all (the selectors above route its workers by their last reports).
        Family f = RoundOneSentDown();
        Assert.Equal(1, AnsweredRoundOneAndMoved(f, _network.AddRandom()).Round);

        // Round 2 opens at the old parent after the move: it goes to the mover too, which takes it and answers there.
        f.Parent.Receive(f.Grandparent, TreeMessages.Broadcast(_appId, 2, Payload.FromVector([1f]), depth: 1, timeLeft: 0));
        Message roundTwo = f.ParentContext.Drain().Single(s => s.To == f.ChildHandle && s.Message.Kind == TreeKind.Broadcast).Message;
        f.Child.Receive(f.ParentHandle, roundTwo);
        f.Child.Aggregate(_appId, 2, Payload.FromVector([3f], weight: 1));
        FakeNodeContext.Sent up = Assert.Single(f.ChildContext.Drain(), s => s.Message.Kind == TreeKind.Aggregate);
        Assert.Equal(f.ParentHandle, up.To);
        f.Parent.Receive(f.ChildHandle, up.Message);
        Assert.Equal(4, OthersAnswer(f, round: 2));

        // Round 3 does not go to it: the new parent's branch has it by then.
        f.Parent.Receive(f.Grandparent, TreeMessages.Broadcast(_appId, 3, Payload.FromVector([1f]), depth: 1, timeLeft: 0));
        Assert.DoesNotContain(f.ParentContext.Drain(), s => s.To == f.ChildHandle);
    }

    [Fact]
    public void A_move_leave_naming_a_round_the_parent_never_had_sends_the_mover_nothing_later()
    {
        // A garbled or forged LEAVE: a round far ahead of the parent's is no round the child took from it.
        Family f = RoundOneSentDown();
        f.Parent.Receive(f.ChildHandle, TreeMessages.Leave(_appId, answered: 9, moved: true));
        f.ParentContext.Drain();
        OthersAnswer(f);
        for (int round = 2; round <= 11; round++)
        {
            f.Parent.Receive(f.Grandparent, TreeMessages.Broadcast(_appId, round, Payload.FromVector([1f]), depth: 1, timeLeft: 0));
            Assert.DoesNotContain(f.ParentContext.Drain(), s => s.To == f.ChildHandle && s.Message.Kind == TreeKind.Broadcast);
            OthersAnswer(f, round);
        }
    }

    [Fact]
    public void A_mover_that_took_the_round_after_from_its_new_parent_turns_the_old_parents_copy_down()
    {
        Family f = RoundOneSentDown();
        PeerHandle newParent = _network.AddRandom();
        AnsweredRoundOneAndMoved(f, newParent);

        f.Child.Receive(newParent, TreeMessages.Broadcast(_appId, 2, Payload.FromVector([1f]), depth: 2, timeLeft: 0));
        f.Parent.Receive(f.Grandparent, TreeMessages.Broadcast(_appId, 2, Payload.FromVector([1f]), depth: 1, timeLeft: 0));
        f.Child.Receive(f.ParentHandle, f.ParentContext.Drain().Single(s => s.To == f.ChildHandle && s.Message.Kind == TreeKind.Broadcast).Message);
        f.Parent.Receive(f.ChildHandle, f.ChildContext.Drain().Single(s => s.To == f.ParentHandle && s.Message.Kind == TreeKind.Leave).Message);
        Assert.Equal(3, OthersAnswer(f, round: 2));
    }

    [Fact]
    public void A_mover_tells_a_probe_no_depth_until_a_round_comes_down_its_new_path()
    {
        // Its last round's depth is its old place's: a node that took it for a sibling or a node above could close a
        // loop through the mover's new ancestors.
        Family f = RoundOneSentDown();
        f.Child.UsePlanning(new Totoro.Core.Planning.PlanningOptions { Planner = "game" });
        f.Child.Receive(f.ParentHandle, f.RoundOne);
        Assert.Equal(2, ProbedDepth(f));

        PeerHandle newParent = _network.AddRandom();
        f.Child.Receive(newParent, TreeMessages.JoinAck(_appId, round: 1, fanout: 8, parents: null));
        Assert.Equal(ushort.MaxValue, ProbedDepth(f));

        f.Child.Receive(newParent, TreeMessages.Broadcast(_appId, 2, Payload.FromVector([1f]), depth: 4, timeLeft: 0));
        Assert.Equal(4, ProbedDepth(f));
    }

    private int ProbedDepth(Family f)
    {
        f.ChildContext.Drain();
        PeerHandle asker = _network.AddRandom();
        f.Child.Receive(asker, PlanMessages.ProbeRequest(_appId, f.ChildContext.Now));
        Message reply = f.ChildContext.Drain().Single(s => s.To == asker && s.Message.Kind == TreeKind.Plan).Message;
        return new PlanView(in reply).Depth;
    }

    [Fact]
    public void A_child_displaced_mid_round_by_a_taller_joiner_is_still_waited_for_and_answers_there()
    {
        // The parent, full (8 children), takes a joiner with a taller subtree after it sent round 1: the shallowest
        // child, the one round 1 is on its way to, is pushed down under a sibling. It takes the round from the parent
        // that sent it and answers there; the parent must count it (before: it stopped waiting and dropped the update).
        Family f = RoundOneSentDown();
        foreach (PeerHandle sibling in f.Siblings)
            f.Parent.Receive(sibling, TreeMessages.HeightReport(_appId, 3));
        for (int i = 0; i < 5; i++)
        {
            PeerHandle late = _network.AddRandom();
            f.Parent.Receive(late, TreeSeat.JoinFrom(_appId, late));
            f.Parent.Receive(late, TreeMessages.HeightReport(_appId, 3));
        }

        f.ParentContext.Drain();
        PeerHandle tall = _network.AddRandom();
        f.Parent.Receive(tall, TreeSeat.JoinFrom(_appId, tall) with { Hops = 2 });
        Assert.True(f.Parent.TryGetTree(_appId, out TreeInfo tree) && tree.Children.Contains(tall) && !tree.Children.Contains(f.ChildHandle));
        f.ParentContext.Drain();

        f.Child.Receive(f.ParentHandle, f.RoundOne);
        f.Child.Aggregate(_appId, 1, Payload.FromVector([3f], weight: 1));
        f.Parent.Receive(f.ChildHandle, f.ChildContext.Drain().Single(s => s.Message.Kind == TreeKind.Aggregate).Message);
        Assert.Equal(4, OthersAnswer(f));
    }

    [Fact]
    public void A_child_disowned_by_the_parent_it_took_the_round_from_tells_it_to_stop_waiting()
    {
        // Its answer will go to its next parent; the old one, alive, would otherwise wait for it for good.
        Family f = RoundOneSentDown();
        f.Child.Receive(f.ParentHandle, f.RoundOne);
        f.ChildContext.Drain();
        f.Child.Receive(f.ParentHandle, TreeMessages.NotChild(_appId));
        Message leave = f.ChildContext.Drain().Single(s => s.To == f.ParentHandle && s.Message.Kind == TreeKind.Leave).Message;
        f.Parent.Receive(f.ChildHandle, leave);
        Assert.Equal(3, OthersAnswer(f));
    }

    [Fact]
    public void A_leave_that_is_not_a_move_ends_the_wait_for_a_child_that_had_not_taken_the_round()
    {
        Family f = RoundOneSentDown();
        f.Parent.Receive(f.ChildHandle, TreeMessages.Leave(_appId));
        Assert.Equal(3, OthersAnswer(f));
    }

    [Fact]
    public void A_child_that_moved_and_then_leaves_for_good_releases_the_former_parent_still_waiting_for_it()
    {
        Family f = RoundOneSentDown();
        f.Child.Receive(f.ParentHandle, f.RoundOne);
        f.Child.Receive(_network.AddRandom(), TreeMessages.JoinAck(_appId, round: 1, fanout: 8, parents: null));
        f.Parent.Receive(f.ChildHandle, f.ChildContext.Drain().Single(s => s.To == f.ParentHandle && s.Message.Kind == TreeKind.Leave).Message);
        Assert.Null(OthersAnswer(f)); // it waits for the mover

        // The mover leaves before it answers: its former parent hears so (not only its current one) and closes the round.
        f.Child.Leave();
        f.Parent.Receive(f.ChildHandle, f.ChildContext.Drain().Single(s => s.To == f.ParentHandle && s.Message.Kind == TreeKind.Leave).Message);
        Assert.Equal(3, UpContributions(f));
    }

    [Fact]
    public void A_parent_that_adopts_a_child_tells_its_own_parent_once_a_round_that_its_subtree_grew()
    {
        (ForestNode parent, FakeNodeContext parentContext, PeerHandle parentHandle, PeerHandle grandparent, _) = Parent();
        parent.Receive(grandparent, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f]), depth: 1, timeLeft: 0));
        parentContext.Drain();

        TreeSeat.ChildOf(_network, _appId, parent, parentContext, parentHandle); // drains the parent's outbox: check the count
        Assert.Equal(1, parent.GrewReports);
        parent.Receive(_network.AddRandom(), TreeSeat.JoinFrom(_appId, _network.AddRandom()));
        Assert.DoesNotContain(parentContext.Drain(), s => s.To == grandparent && s.Message.Kind == TreeKind.Heartbeat);
        Assert.Equal(1, parent.GrewReports); // the first word holds until a round comes down

        parent.Receive(grandparent, TreeMessages.Broadcast(_appId, 2, Payload.FromVector([1f]), depth: 1, timeLeft: 0));
        parentContext.Drain();
        PeerHandle joiner = _network.AddRandom();
        parent.Receive(joiner, TreeSeat.JoinFrom(_appId, joiner));
        Message grew = parentContext.Drain().Single(s => s.To == grandparent && s.Message.Kind == TreeKind.Heartbeat).Message;
        Assert.True(new HeartbeatView(in grew).Grew);
    }

    [Fact]
    public void A_grown_child_gets_the_next_round_even_if_the_selector_leaves_it_out()
    {
        // The grandparent's selector sends rounds to nobody; its child (the parent here) tells it its subtree grew.
        PeerHandle self = _network.Add(new NodeId(_appId.Value + 1));
        (ForestNode root, FakeNodeContext rootContext) = TreeSeat.Alone(_network, self);
        root.CreateTree(AppDescriptor.Default(_appId, "seated", 8) with { Selector = new NoChildren() });
        PeerHandle child = _network.AddRandom();
        root.Receive(child, TreeSeat.JoinFrom(_appId, child));
        rootContext.Drain();
        Assert.True(root.TryGetTree(_appId, out TreeInfo tree) && tree.Children.Contains(child));

        // Adopted: the first round after goes down to it; the next one, chosen by the selector alone, does not.
        root.Broadcast(_appId, Payload.FromVector([1f]));
        Assert.Contains(rootContext.Drain(), s => s.To == child && s.Message.Kind == TreeKind.Broadcast);
        root.Receive(child, TreeMessages.Aggregate(_appId, 1, Payload.FromVector([1f], weight: 1), contributions: 1));
        rootContext.Drain();
        root.Broadcast(_appId, Payload.FromVector([1f]));
        Assert.DoesNotContain(rootContext.Drain(), s => s.To == child && s.Message.Kind == TreeKind.Broadcast);
        rootContext.Advance(1, root); // the empty round closes

        // Its subtree took in a node: the next round goes down to it again.
        root.Receive(child, TreeMessages.HeightReport(_appId, 1, grew: true));
        root.Broadcast(_appId, Payload.FromVector([1f]));
        Assert.Contains(rootContext.Drain(), s => s.To == child && s.Message.Kind == TreeKind.Broadcast);
    }

    /// <summary>A subscriber with a parent and two children (the moving child's siblings); the root is elsewhere.</summary>
    private (ForestNode Node, FakeNodeContext Context, PeerHandle Self, PeerHandle Parent, PeerHandle[] Children) Parent()
        => TreeSeat.Worker(_network, _appId);

    /// <summary>A worker with two children and a third that joined through it; round 1 came down to it, and its copy for the third is <see cref="Family.RoundOne"/>.</summary>
    private Family RoundOneSentDown()
    {
        (ForestNode parent, FakeNodeContext parentContext, PeerHandle parentHandle, PeerHandle grandparent, PeerHandle[] siblings) = Parent();
        (ForestNode child, FakeNodeContext childContext, PeerHandle childHandle) = TreeSeat.ChildOf(_network, _appId, parent, parentContext, parentHandle);
        parent.Receive(grandparent, TreeMessages.Broadcast(_appId, 1, Payload.FromVector([1f]), depth: 1, timeLeft: 0));
        Message down = parentContext.Drain().Single(s => s.To == childHandle && s.Message.Kind == TreeKind.Broadcast).Message;
        return new Family(parent, parentContext, parentHandle, grandparent, siblings, child, childContext, childHandle, down);
    }

    /// <summary>The child takes round 1 and answers it, the round closes with all four, and then it moves to <paramref name="newParent"/>; its LEAVE has reached the old parent.</summary>
    private Message AnsweredRoundOneAndMoved(Family f, PeerHandle newParent)
    {
        f.Child.Receive(f.ParentHandle, f.RoundOne);
        f.Child.Aggregate(_appId, 1, Payload.FromVector([3f], weight: 1));
        f.Parent.Receive(f.ChildHandle, f.ChildContext.Drain().Single(s => s.Message.Kind == TreeKind.Aggregate).Message);
        Assert.Equal(4, OthersAnswer(f));
        f.Child.Receive(newParent, TreeMessages.JoinAck(_appId, round: 1, fanout: 8, parents: null));
        Message leave = f.ChildContext.Drain().Single(s => s.To == f.ParentHandle && s.Message.Kind == TreeKind.Leave).Message;
        f.Parent.Receive(f.ChildHandle, leave);
        f.ParentContext.Drain();
        return leave;
    }

    /// <summary>The worker's own update and its two other children's come in: the contributions it sends up (null: it still waits).</summary>
    private long? OthersAnswer(Family f, int round = 1)
    {
        f.Parent.Aggregate(_appId, round, Payload.FromVector([5f], weight: 1));
        foreach (PeerHandle sibling in f.Siblings)
            f.Parent.Receive(sibling, TreeMessages.Aggregate(_appId, round, Payload.FromVector([7f], weight: 1), contributions: 1));
        return UpContributions(f);
    }

    private static long? UpContributions(Family f)
    {
        foreach (FakeNodeContext.Sent sent in f.ParentContext.Drain())
        {
            if (sent.To == f.Grandparent && sent.Message.Kind == TreeKind.Aggregate)
            {
                Message up = sent.Message;
                return new AggregateView(in up).Contributions;
            }
        }

        return null;
    }

    private sealed record Family(
        ForestNode Parent, FakeNodeContext ParentContext, PeerHandle ParentHandle, PeerHandle Grandparent, PeerHandle[] Siblings,
        ForestNode Child, FakeNodeContext ChildContext, PeerHandle ChildHandle, Message RoundOne);

    private sealed class NoChildren : IChildSelector
    {
        public string Name => "none";

        public int Select(NodeId app, int round, Payload payload, ReadOnlySpan<PeerHandle> children, Span<PeerHandle> chosen, INodeContext context) => 0;
    }
}
