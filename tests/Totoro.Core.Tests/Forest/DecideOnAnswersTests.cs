using Totoro.Core.Forest;
using Totoro.Core.Planning;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// A child whose parent decision is due probes its candidates and its parent right after its update, and decides as
/// soon as the last of them answered, not at its next update a round later: a decision made a round after what set it
/// off missed the end of its app, and the last rounds' changes were never acted on (docs/planning.md I.3).
/// </summary>
public class DecideOnAnswersTests
{
    private readonly FakeNetwork _network = new(seed: 97);
    private readonly NodeId _appId = NodeId.FromRandom(0xdec1_0000_0000_0000, 31);

    [Fact]
    public void A_child_moves_once_its_last_candidate_answered_without_waiting_for_its_next_update()
    {
        (ForestNode parent, FakeNodeContext parentContext, PeerHandle parentHandle, _, _) = TreeSeat.Worker(_network, _appId);
        (ForestNode child, FakeNodeContext context, _) = TreeSeat.ChildOf(_network, _appId, parent, parentContext, parentHandle);
        child.UsePlanning(new PlanningOptions { Planner = "game", DecisionPeriodMicros = 1_000 });
        child.Planning!.Ledger.UplinkTimed(100_000, 10_000); // 10 B/µs up

        // Round 1: the first decision is never due (the child learns its links first); the parent's round trip is probed.
        List<FakeNodeContext.Sent> first = Round(child, context, parentHandle, 1);
        context.Advance(10_000, child);
        foreach (FakeNodeContext.Sent probe in first.Where(IsProbe))
            child.Receive(probe.To, Answer(probe, probe.To == parentHandle));

        // Round 2: due. The child probes its candidates and its parent, and sends no JOIN yet.
        context.Advance(10_000, child);
        var probes = Round(child, context, parentHandle, 2).Where(IsProbe).ToList();
        Assert.Contains(probes, p => p.To == parentHandle);
        Assert.True(probes.Count >= 2, $"probed {probes.Count}: the parent and at least one candidate");
        context.Advance(10_000, child);

        // The parent answers heavy and slow, the candidates light and fast: nothing moves until the last answer is in.
        FakeNodeContext.Sent last = probes[^1];
        foreach (FakeNodeContext.Sent probe in probes.Where(p => p.To != last.To))
        {
            child.Receive(probe.To, Answer(probe, probe.To == parentHandle));
            Assert.DoesNotContain(context.Drain(), s => s.Message.Kind == TreeKind.Join);
        }

        child.Receive(last.To, Answer(last, last.To == parentHandle));
        FakeNodeContext.Sent join = Assert.Single(context.Drain(), s => s.Message.Kind == TreeKind.Join);
        Assert.NotEqual(parentHandle, join.To);
        Assert.Contains(probes, p => p.To == join.To); // one of the candidates that answered
        Assert.True((join.Message.Flags & TreeFlags.Move) != 0, "a game move is checked at the new parent");
    }

    private List<FakeNodeContext.Sent> Round(ForestNode child, FakeNodeContext context, PeerHandle parent, int round)
    {
        child.Receive(parent, TreeMessages.Broadcast(_appId, round, Payload.FromVector([1f]), depth: 2, timeLeft: 0));
        context.Drain();
        child.Aggregate(_appId, round, Payload.FromVector([2f], weight: 1));
        List<FakeNodeContext.Sent> sent = context.Drain();
        Assert.Contains(sent, s => s.To == parent && s.Message.Kind == TreeKind.Aggregate);
        return sent;
    }

    private static bool IsProbe(FakeNodeContext.Sent s) => s.Message.Kind == TreeKind.Plan && s.Message.Row == PlanMessages.Probe;

    /// <summary>The answer to a probe: the parent carries 10 MB a round each way at 1 B/µs; a candidate nothing at 100 B/µs, one level nearer the root.</summary>
    private Message Answer(FakeNodeContext.Sent probe, bool fromParent)
        => PlanMessages.ProbeReply(
            _appId,
            probe.Message.Stamp,
            depth: 1,
            children: null,
            fromParent ? new LoadReport(10_000_000, 10_000_000, 1, 1) : new LoadReport(0, 0, 100, 100),
            gap: 1_000_000);
}
