using Totoro.Core.Forest;
using Totoro.Core.Planning;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// A load-aware node tells the children of other parents that probed it lately when its load fell by much since it
/// answered them (a child of its left, an app it served ended): their best response may be this node now, and without
/// the notice they learned it only at their next scheduled decision (docs/planning.md I.3).
/// </summary>
public class LoadNoticeTests
{
    private const long Bytes = 100_000;
    private const long Period = 10_000_000;
    private readonly FakeNetwork _network = new(seed: 83);
    private readonly NodeId _appId = NodeId.FromRandom(0x10ad_0000_0000_0000, 29);

    [Fact]
    public void A_node_whose_load_fell_tells_the_other_parents_children_that_probed_it_once()
    {
        (ForestNode node, FakeNodeContext context, PeerHandle[] children, PeerHandle asker) = Probed("game");

        // Nothing changed: a check finds no fall, and says nothing.
        context.Advance(Period / 8, node);
        Assert.DoesNotContain(context.Drain(), s => IsNotice(s.Message));

        // The child whose two flows made the load leaves: the load falls from 200 kB to nothing.
        node.Receive(children[0], TreeMessages.Leave(_appId));
        context.Drain();
        context.Advance(Period / 8, node);
        var notices = context.Drain().Where(s => IsNotice(s.Message)).ToList();
        Assert.Equal(new[] { asker }, notices.Select(s => s.To)); // not the child that probed it (its acks say so)
        Assert.Equal(1, node.LoadNotices);

        // One notice per fall: the asker now counts as told the new load.
        context.Advance(Period / 8, node);
        Assert.DoesNotContain(context.Drain(), s => IsNotice(s.Message));
    }

    [Fact]
    public void A_bandit_node_sends_no_notice()
    {
        // bandit prices no load: a fall changes nothing it weighs, and its nodes keep no check running.
        (ForestNode node, FakeNodeContext context, PeerHandle[] children, _) = Probed("bandit");
        node.Receive(children[0], TreeMessages.Leave(_appId));
        context.Advance(Period, node);
        Assert.DoesNotContain(context.Drain(), s => IsNotice(s.Message));
        Assert.Equal(0, node.LoadNotices);
    }

    /// <summary>A worker with a child's two flows on its links (100 kB each way), probed by that child's sibling and by a child of another parent.</summary>
    private (ForestNode Node, FakeNodeContext Context, PeerHandle[] Children, PeerHandle Asker) Probed(string planner)
    {
        (ForestNode node, FakeNodeContext context, _, _, PeerHandle[] children) = TreeSeat.Worker(_network, _appId);
        node.UsePlanning(new PlanningOptions { Planner = planner, DecisionPeriodMicros = Period });
        TransferLedger ledger = node.Planning!.Ledger;
        ledger.UplinkTimed(Bytes, Bytes);
        ledger.Carried(_appId, FlowDirection.Up, children[0], outgoing: false, Bytes, context.Now, round: 1);
        ledger.Carried(_appId, FlowDirection.Down, children[0], outgoing: true, Bytes, context.Now, round: 1);
        PeerHandle asker = _network.AddRandom();
        node.Receive(asker, PlanMessages.ProbeRequest(_appId, context.Now));
        node.Receive(children[1], PlanMessages.ProbeRequest(_appId, context.Now));
        context.Drain();
        return (node, context, children, asker);
    }

    private static bool IsNotice(in Message message) => message.Kind == TreeKind.Plan && message.Row == PlanMessages.LoadFell;
}
