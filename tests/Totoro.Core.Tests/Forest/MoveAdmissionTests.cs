using Totoro.Core.Forest;
using Totoro.Core.Planning;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// A candidate parent takes in a child that a load-aware planner moves to it only while the movers it took in since it
/// answered that child's probe leave the child's move its gain above ε (the slack the JOIN carries); a mover it takes
/// loads its reports at once. Without the check the children of one parent, pricing the same idle node on the same
/// reports, all moved onto it together (docs/planning.md I.3).
/// </summary>
public class MoveAdmissionTests
{
    private const long Bytes = 100_000;
    private readonly FakeNetwork _network = new(seed: 71);
    private readonly NodeId _appId = NodeId.FromRandom(0x7a4d_0000_0000_0000, 17);

    [Fact]
    public void A_mover_whose_slack_the_movers_taken_in_since_its_probe_ate_is_turned_away()
    {
        (ForestNode node, FakeNodeContext context, _, _, PeerHandle[] children) = TreeSeat.Worker(_network, _appId);
        node.UsePlanning(new PlanningOptions { Planner = "game" });
        TransferLedger ledger = node.Planning!.Ledger;
        ledger.UplinkTimed(Bytes, Bytes); // 1 B/µs up (and so down, unmeasured)
        ledger.Carried(_appId, FlowDirection.Up, children[0], outgoing: false, Bytes, context.Now, round: 1);
        ledger.Carried(_appId, FlowDirection.Down, children[0], outgoing: true, Bytes, context.Now, round: 1);
        Assert.Equal(new LoadReport(Bytes, Bytes, 1, 0), ledger.Own);

        PeerHandle first = _network.AddRandom(), tight = _network.AddRandom(), loose = _network.AddRandom(), late = _network.AddRandom();
        foreach (PeerHandle mover in new[] { first, tight, loose })
            node.Receive(mover, PlanMessages.ProbeRequest(_appId, context.Now));
        context.Drain();

        // The first mover is taken, and its two flows load this node's report at once: 100 kB more each way, 200 ms
        // more per round for a child through this node's links.
        Assert.True(Moves(node, context, first, slack: 1));
        Assert.Equal(new LoadReport(2 * Bytes, 2 * Bytes, 1, 0), ledger.Own);

        // Both others priced the load before it: one whose slack is less than 200 ms is turned away, one with more is taken.
        Assert.False(Moves(node, context, tight, slack: 150_000));
        Assert.True(Moves(node, context, loose, slack: 250_000));

        // One that probes now prices the load as it is: taken with no slack to spare.
        node.Receive(late, PlanMessages.ProbeRequest(_appId, context.Now));
        context.Drain();
        Assert.True(Moves(node, context, late, slack: 0));
        Assert.True(node.TryGetTree(_appId, out TreeInfo tree));
        Assert.Equal(new[] { children[0], children[1], first, loose, late }.Select(c => c.Index).Order(), tree.Children.Select(c => c.Index).Order());
    }

    [Fact]
    public void A_plain_join_and_a_bandits_move_are_taken_whatever_came_before()
    {
        (ForestNode node, FakeNodeContext context, _, _, _) = TreeSeat.Worker(_network, _appId);
        node.UsePlanning(new PlanningOptions { Planner = "game" });
        node.Planning!.Ledger.UplinkTimed(Bytes, Bytes);
        PeerHandle first = _network.AddRandom(), plain = _network.AddRandom();
        node.Receive(plain, PlanMessages.ProbeRequest(_appId, context.Now));
        Assert.True(Moves(node, context, first, slack: 0));
        node.Receive(plain, TreeSeat.JoinFrom(_appId, plain)); // priced no load (bandit, or a JOIN routed here): not checked
        Assert.Contains(context.Drain(), s => s.To == plain && s.Message.Kind == TreeKind.JoinAck);
    }

    /// <summary>Delivers a mover's JOIN with its slack; true when this node took it in (acked), false when it refused.</summary>
    private bool Moves(ForestNode node, FakeNodeContext context, PeerHandle mover, long slack)
    {
        node.Receive(mover, TreeMessages.MoveJoin(_appId, mover, fanout: 8, height: 0, round: 0, Payload.FromData(AppDescriptor.Default(_appId, "seated", 8).Encode()), default, slack));
        var sent = context.Drain().Where(s => s.To == mover).ToList();
        bool acked = sent.Any(s => s.Message.Kind == TreeKind.JoinAck);
        bool refused = sent.Any(s => s.Message.Kind == TreeKind.Plan && s.Message.Row == PlanMessages.MoveRefused);
        Assert.True(acked != refused, "a mover is either taken or told it was not");
        return acked;
    }
}
