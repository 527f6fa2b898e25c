using System.Reflection;
using Totoro.Core.Planning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Planning;

public class FlowPlannerTests
{
    private static readonly NodeId App = NodeId.FromRandom(0x0011223344556677, 0x8899aabbccddeeff);
    private static readonly PeerHandle Parent = new(1);
    private static readonly PeerHandle Other = new(2);

    [Fact]
    public void LoadReportsSurviveTheWireAndBadBytesAreRefused()
    {
        var report = new LoadReport(123_456, 7, 12.5);
        Assert.True(LoadReport.TryDecode(report.Encode(), out LoadReport back));
        Assert.Equal(report, back);
        Assert.False(LoadReport.TryDecode(new byte[LoadReport.EncodedSize - 1], out _));
        byte[] negative = new LoadReport(-1, 0, 1).Encode();
        Assert.False(LoadReport.TryDecode(negative, out _));
        byte[] nan = new LoadReport(0, 0, double.NaN).Encode();
        Assert.False(LoadReport.TryDecode(nan, out _));
    }

    [Fact]
    public void AProbeThatCameInRightBehindAnotherArrivalOnlyBoundsTheRoundTrip()
    {
        // A candidate's downlink is busy with its children's updates just when a child probes it: such a probe arrives
        // its own bytes' time after the update ahead of it, and its round trip read 2–5× the path's. It counts only while
        // no clean round trip is known, and a clean one replaces it, however long.
        var ledger = new TransferLedger();
        Assert.Equal(long.MaxValue, ledger.Received(1_000));
        Assert.Equal(5, ledger.Received(1_005));
        Assert.True(TransferLedger.QueuedBehind(5), "5 µs after the previous arrival: it waited behind it");
        Assert.False(TransferLedger.QueuedBehind(50_000), "50 ms after: it found the downlink idle");
        ledger.RoundTrip(Parent, 300_000, clean: false);
        Assert.Equal(300_000, ledger.Direct(Parent).RoundTripMicros);
        Assert.False(ledger.HasCleanRoundTrip(Parent));
        ledger.RoundTrip(Parent, 80_000, clean: true);
        ledger.RoundTrip(Parent, 60_000, clean: false);
        Assert.True(ledger.HasCleanRoundTrip(Parent));
        Assert.Equal(80_000, ledger.Direct(Parent).RoundTripMicros);
    }

    [Fact]
    public void TheLedgerLearnsTimePerByteAndSuccessFromAcksAndTimeouts()
    {
        var ledger = new TransferLedger { TimeoutMicros = 1_000 };
        ledger.RoundTrip(Parent, 100);
        long now = 0;
        for (int i = 0; i < 20; i++)
        {
            long token = ledger.Sent(Parent, PeerHandle.None, 100_000, now);
            Assert.True(ledger.Acked(token, now + 100 + 200_000, new LoadReport(5, 6, 1)), "an ack of a pending transfer counts"); // 2 µs per byte
            Assert.False(ledger.Acked(token, now + 300_000, null), "a repeated ack does not");
            now += 1_000_000;
        }

        HopEstimate hop = ledger.Direct(Parent);
        Assert.Equal(2.0, hop.MicrosPerByte, 3);
        Assert.Equal(1.0, hop.SuccessRate);
        Assert.Equal(0.5, ledger.Own.UpBytesPerMicro, 3);
        Assert.Equal(new LoadReport(5, 6, 1), ledger.Report(Parent));

        for (int i = 0; i < 20; i++)
            ledger.Sent(Parent, PeerHandle.None, 100_000, now);
        ledger.Expire(now + 2_000);
        Assert.Equal(0.5, ledger.Direct(Parent).SuccessRate, 3);
        Assert.Equal(20, ledger.Lost);
    }

    [Fact]
    public void TheDownlinkRateIsTheLargestBytesOverGapOfArrivals()
    {
        // A downlink of 2 B/µs: arrivals that queued are exactly bytes / 2 apart; sparse ones further. Small messages
        // say nothing of the rate. The closed form: the largest bytes / gap, 2.0.
        var ledger = new TransferLedger();
        long now = 0;
        foreach (long gap in new long[] { 0, 1_000_000, 50_000, 50_000, 3_000_000, 50_000 })
        {
            now += gap;
            ledger.Arrived(100_000, now);
        }

        ledger.Arrived(100, now + 1); // a probe 1 µs later: not a rate
        Assert.Equal(2.0, ledger.Own.DownBytesPerMicro, 6);
        Assert.Equal(0, new TransferLedger().Own.DownBytesPerMicro); // never measured: 0, and the cost falls back to the uplink's
    }

    [Fact]
    public void ASlowSendersArrivalGapsDoNotSetTheReceiversDownlink()
    {
        // Sender 1 B/µs up, receiver 10 B/µs down, round trip 100 µs. Its transfers reach the receiver 100,000 µs apart,
        // so bytes / gap reads the sender's uplink (1.0). The sender times each transfer: 100,000 µs to leave its uplink
        // (its send queue), 50 µs each way, 10,000 µs to come in: what is left after its uplink and the round trip is the
        // receiver's downlink, 10.0, the closed form. Told back in an ack, that is the rate the receiver reports.
        var sender = new TransferLedger();
        var receiver = new TransferLedger();
        sender.RoundTrip(Parent, 100);
        long now = 0;
        for (int i = 0; i < 3; i++)
        {
            long token = sender.Sent(Parent, PeerHandle.None, 100_000, now);
            sender.Left(token, 100_000);
            receiver.Arrived(100_000, now + 100_000 + 50 + 10_000);
            Assert.True(sender.Acked(token, now + 100_000 + 50 + 10_000 + 50, null));
            now += 100_000;
        }

        Assert.Equal(1.0, receiver.Own.DownBytesPerMicro, 6); // the arrival gaps alone: the sender's uplink
        Assert.Equal(10.0, sender.DownlinkOf(Parent), 6);
        Assert.Equal(0, sender.DownlinkOf(Other));

        Message ack = Totoro.Core.Forest.PlanMessages.TransferAck(App, 1, FlowDirection.Up, receiver.Own, sender.DownlinkOf(Parent));
        var directory = new TestDirectory();
        Assert.True(MessageCodec.TryDecode(MessageCodec.Encode(ack, directory), directory, out Message back, out string? error), error);
        receiver.ToldDownlink(Parent, new Totoro.Core.Forest.PlanView(in back).ToldDownlink);
        Assert.Equal(10.0, receiver.Own.DownBytesPerMicro, 6);
        receiver.ToldDownlink(Parent, double.NaN); // bad input is ignored
        receiver.ToldDownlink(Parent, -5);
        Assert.Equal(10.0, receiver.Own.DownBytesPerMicro, 6);
    }

    [Fact]
    public void ANodeReportsTheMedianOfTheDownlinkRatesItsSendersTold()
    {
        // Three senders timed this node's downlink: one whose transfers always queued behind its siblings' (3), two that
        // found it idle (10, 11). The lowest read a fifth of the nodes' downlinks below 0.6 of the truth; the median is
        // the link's, and a single wild sender (a round trip read long: 500) does not carry it either: of four, the
        // upper middle one (11). Two senders, one that always queued (14.5) and one that found the link idle (39.9, the
        // truth): the upper one. The lower middle read such a node at 14.5, a fast downlink behind a slow uplink (12),
        // and three children declined it at a true gain of 0.07–0.11 (docs/planning.md I.7).
        var ledger = new TransferLedger();
        ledger.ToldDownlink(new PeerHandle(3), 3);
        ledger.ToldDownlink(new PeerHandle(4), 10);
        ledger.ToldDownlink(new PeerHandle(5), 11);
        Assert.Equal(10.0, ledger.Own.DownBytesPerMicro, 6);
        ledger.ToldDownlink(new PeerHandle(6), 500);
        Assert.Equal(11.0, ledger.Own.DownBytesPerMicro, 6);

        var two = new TransferLedger();
        two.ToldDownlink(new PeerHandle(27), 14.5);
        Assert.Equal(14.5, two.Own.DownBytesPerMicro, 6);
        two.ToldDownlink(new PeerHandle(177), 39.9);
        Assert.Equal(39.9, two.Own.DownBytesPerMicro, 6);
    }

    [Fact]
    public void TheAcksQueueWaitAndTheReceiversArrivalGapBoundItsDownlinkTime()
    {
        // Receiver 10 B/µs down; a 100,000-byte transfer takes 10,000 µs to come in. Round trip 100 µs, 1,000 µs in the
        // sender's uplink. (a) The ack waits 5,000 µs in the receiver's send queue: told in the ack, it is taken off,
        // and the sample is the closed form, 10.0. (b) The transfer waited 20,000 µs behind another arrival, which
        // ended 10,000 µs before it: the receiver's gap since that arrival (told) bounds the downlink's time, 10.0
        // again, where the transfer's time alone reads 100,000 / 30,000. Malformed values read as absent.
        var sender = new TransferLedger();
        sender.RoundTrip(Parent, 100);
        long token = sender.Sent(Parent, PeerHandle.None, 100_000, 0);
        sender.Left(token, 1_000);
        Assert.True(sender.Acked(token, 1_000 + 50 + 10_000 + 5_000 + 50, null, farQueued: 5_000));
        Assert.Equal(10.0, sender.DownlinkOf(Parent), 6);

        var other = new TransferLedger();
        other.RoundTrip(Parent, 100);
        token = other.Sent(Parent, PeerHandle.None, 100_000, 0);
        other.Left(token, 1_000);
        Assert.True(other.Acked(token, 1_000 + 50 + 20_000 + 10_000 + 50, null, farQueued: 0, farGap: 10_000));
        Assert.Equal(10.0, other.DownlinkOf(Parent), 6);

        Message ack = Totoro.Core.Forest.PlanMessages.TransferAck(App, 1, FlowDirection.Up, new LoadReport(1, 2, 3), 0, queued: 5_000, gap: 10_000);
        var directory = new TestDirectory();
        Assert.True(MessageCodec.TryDecode(MessageCodec.Encode(ack, directory), directory, out Message back, out string? error), error);
        var view = new Totoro.Core.Forest.PlanView(in back);
        Assert.Equal((5_000L, 10_000L, new LoadReport(1, 2, 3)), (view.AckQueued, view.AckGap, view.Report!.Value));
        Message bad = Totoro.Core.Forest.PlanMessages.TransferAck(App, 1, FlowDirection.Up, new LoadReport(1, 2, 3), 0, queued: -7, gap: -1);
        var badView = new Totoro.Core.Forest.PlanView(in bad);
        Assert.Equal((0L, long.MaxValue), (badView.AckQueued, badView.AckGap));
    }

    [Fact]
    public void TheUplinkRateLeavesOutTheFarEndsDownlink()
    {
        // Own uplink 1 B/µs, the far end's downlink 4 B/µs (as it reports): each transfer of 100,000 B takes a round trip
        // plus 100,000 µs up plus 25,000 µs down. Less the far end's part the rate is 1.0; without its report, 0.8.
        foreach ((double farDown, double expected) in new[] { (4.0, 1.0), (0.0, 0.8) })
        {
            var ledger = new TransferLedger();
            ledger.RoundTrip(Parent, 100);
            long now = 0;
            for (int i = 0; i < 5; i++)
            {
                long token = ledger.Sent(Parent, PeerHandle.None, 100_000, now);
                ledger.Acked(token, now + 100 + 125_000, new LoadReport(0, 0, 1, farDown));
                now += 1_000_000;
            }

            Assert.Equal(expected, ledger.Own.UpBytesPerMicro, 3);
        }
    }

    [Fact]
    public void AnUplinkTimedFromTheSendQueueIsTheRateWhateverTheAcksSaid()
    {
        // Acks alone read a 1 B/µs uplink as 0.8 (the far end's downlink is in the transfer's time). A node whose world
        // times its own send queue knows better: 100,000 B that took 50,000 µs to leave is 2 B/µs, the closed form.
        var ledger = new TransferLedger();
        ledger.RoundTrip(Parent, 100);
        long token = ledger.Sent(Parent, PeerHandle.None, 100_000, 0);
        ledger.Acked(token, 100 + 125_000, null);
        Assert.Equal(0.8, ledger.Own.UpBytesPerMicro, 3);

        ledger.UplinkTimed(300, 26);        // small sends: bytes over their (rounded-up) microseconds until a bulk one
        ledger.UplinkTimed(200, 17);
        Assert.Equal(500.0 / 43, ledger.Own.UpBytesPerMicro, 6);
        ledger.UplinkTimed(100_000, 50_000);
        Assert.Equal(2.0, ledger.Own.UpBytesPerMicro, 6);
        ledger.UplinkTimed(100, 1);          // a small send never overrides a bulk one
        ledger.UplinkTimed(100_000, 0);      // nor does a send the world could not time
        Assert.Equal(2.0, ledger.Own.UpBytesPerMicro, 6);
        ledger.UplinkTimed(200_000, 400_000); // the latest bulk send: the rate now (a link that changed)
        Assert.Equal(0.5, ledger.Own.UpBytesPerMicro, 6);
        Assert.Equal(0.5, ledger.BestRate, 6);
    }

    [Fact]
    public void TheGameTakesAMoveWithProbabilityEightTimesItsBelievedGainAndTheBanditAlways()
    {
        // The game: the current parent also carries another child, the other candidate three quarters of one, at the
        // same rates: a believed gain of 1/12, so it moves on 8/12 of its (independent) draws. The bandit, blind to
        // load: the other candidate's links are twice as fast, a gain of 1/3, and it always moves, as does a game told
        // not to randomize.
        foreach ((string planner, bool randomized, double expected) in new[] { ("game", true, 8.0 / 12), ("game", false, 1.0), ("bandit", true, 1.0) })
        {
            var router = new FlowRouter(new PlanningOptions { Planner = planner, RandomizedMoves = randomized });
            Observe(router.Ledger, Parent, microsPerByte: 1.0);
            Observe(router.Ledger, Other, microsPerByte: 1.0);
            double otherRate = planner == "game" ? 1 : 2;
            router.Ledger.Heard(Parent, new LoadReport(200_000, 200_000, UpBytesPerMicro: 1, DownBytesPerMicro: 1));
            long otherLoad = planner == "game" ? 75_000 : 0;
            router.Ledger.Heard(Other, new LoadReport(otherLoad, otherLoad, otherRate, otherRate));
            var query = new ParentQuery(App, Parent, 100_000, 100_000, new[] { Other });
            Assert.Equal(Other, router.Planner.Parent(query, router.Ledger, out double gain));
            Assert.Equal(planner == "game" ? 1.0 / 12 : 1.0 / 3, gain, 6);

            const int draws = 4000;
            var random = new Random(7);
            int moved = 0;
            for (int i = 0; i < draws; i++)
            {
                if (router.ChooseParent(App, new PeerHandle(9), Parent, 100_000, 100_000, new[] { Other }, (ulong)random.NextInt64(), out _) == Other)
                {
                    moved++;
                    router.MoveTaken(App, Other); // a move counts once the new parent takes the child
                }
            }

            Assert.InRange((double)moved / draws, expected - 0.03, expected + 0.03);
            Assert.Equal(moved, router.Moves);
        }
    }

    [Fact]
    public void AChildMovesForABelievedGainAboveTheThresholdBelowEpsilonAndNotBelowIt()
    {
        // ε = 0.05 and the threshold a tenth below it (0.045): the margin that keeps a player its estimates put just under
        // ε from staying just over it on the true costs. The other candidate's load sets the believed gain: 0.06 and
        // 0.047 move, 0.043 does not (a router that moved only above ε itself would keep the 0.047).
        var options = new PlanningOptions { Planner = "game", RandomizedMoves = false };
        Assert.Equal(0.045, options.MoveThreshold, 9);
        foreach ((long otherLoad, double expectedGain, bool moves) in new[] { (82_000L, 0.06, true), (85_900L, 0.047, true), (87_100L, 0.043, false) })
        {
            var router = new FlowRouter(options);
            Observe(router.Ledger, Parent, microsPerByte: 1.0);
            Observe(router.Ledger, Other, microsPerByte: 1.0);
            router.Ledger.Heard(Parent, new LoadReport(200_000, 200_000, UpBytesPerMicro: 1, DownBytesPerMicro: 1));
            router.Ledger.Heard(Other, new LoadReport(otherLoad, otherLoad, 1, 1));
            router.Planner.Parent(new ParentQuery(App, Parent, 100_000, 100_000, new[] { Other }), router.Ledger, out double gain);
            Assert.Equal(expectedGain, gain, 6);
            PeerHandle chosen = router.ChooseParent(App, new PeerHandle(9), Parent, 100_000, 100_000, new[] { Other }, random: 0, out _);
            Assert.Equal(moves ? Other : Parent, chosen);
        }
    }

    [Fact]
    public void AChildThatSawAGainAndLostTheDrawDecidesAgainAtOnce()
    {
        // The same gain of 1/12 as above: taken when the draw's low bits fall below 8/12 of 0x800, declined above. A child
        // that declined is due again at its next update (it probes, and decides on the answers); one that saw no gain,
        // or moved, waits out its decision period.
        var router = new FlowRouter(new PlanningOptions { Planner = "game", DecisionPeriodMicros = 10_000_000 });
        Observe(router.Ledger, Parent, microsPerByte: 1.0);
        Observe(router.Ledger, Other, microsPerByte: 1.0);
        router.Ledger.Heard(Parent, new LoadReport(200_000, 200_000, UpBytesPerMicro: 1, DownBytesPerMicro: 1));
        router.Ledger.Heard(Other, new LoadReport(75_000, 75_000, 1, 1));
        Assert.False(router.ParentDecisionDue(App, 0, 0), "never at the first call");
        Assert.False(router.ParentDecisionDue(App, 1, 0), "nor before its period");

        Assert.Equal(Parent, router.ChooseParent(App, new PeerHandle(9), Parent, 100_000, 100_000, new[] { Other }, random: 0x7FF, out _));
        Assert.True(router.ParentDecisionDue(App, 2, 0), "a declined gain: due again at once");
        Assert.False(router.ParentDecisionDue(App, 3, 0), "and then a period later");

        Assert.Equal(Parent, router.ChooseParent(App, new PeerHandle(9), Parent, 100_000, 100_000, ReadOnlyMemory<PeerHandle>.Empty, random: 0x7FF, out _));
        Assert.False(router.ParentDecisionDue(App, 4, 0), "no candidate, no gain: it waits");
        Assert.Equal(Other, router.ChooseParent(App, new PeerHandle(9), Parent, 100_000, 100_000, new[] { Other }, random: 0, out long slack));
        Assert.False(router.ParentDecisionDue(App, 5, 0), "a move taken: it waits");

        // The slack the new parent checks: the gain beyond the move threshold (ε less its margin, 0.045), in µs of the
        // child's cost now.
        double current = FlowCosts.Parent(router.Ledger, Parent, Parent, 100_000, 100_000, loadAware: true);
        Assert.Equal((long)(((1.0 / 12) - router.Options.MoveThreshold) * current), slack);
        Assert.Equal(0, router.Moves);

        // Turned away by another node: nothing changes; by the chosen one: not a move, and due again at once.
        router.MoveRefused(App, Parent);
        Assert.False(router.ParentDecisionDue(App, 6, 0), "a refusal from a peer it did not ask: ignored");
        router.MoveRefused(App, Other);
        Assert.Equal(1, router.Refusals);
        Assert.True(router.ParentDecisionDue(App, 7, 0), "turned away: due again at once");
        router.MoveTaken(App, Other);
        Assert.Equal(0, router.Moves);
    }

    [Fact]
    public void AParentWhoseReportedLoadMovedMakesTheDecisionDueEarlyAtABoundedRate()
    {
        // Period 10 s (the first decision due at 5 s with this draw). A child looked at 0 with its parent's load at 1 MB
        // per round; the parent's reports then say 1.5 MB at 1 s (too soon: at most 4 decisions a period, one per
        // 2.5 s), 1.05 MB at 2.5 s (within 10 %: it waits) and 1.5 MB at 3 s (due). The next measures from 1.5 MB.
        var router = new FlowRouter(new PlanningOptions { Planner = "game", DecisionPeriodMicros = 10_000_000 });
        Assert.False(router.ParentDecisionDue(App, 0, 0, parentLoad: 1_000_000), "never at the first call");
        Assert.False(router.ParentDecisionDue(App, 1_000_000, 0, parentLoad: 1_500_000), "a change of 50 %, 1 s after the last look: too soon");
        Assert.False(router.ParentDecisionDue(App, 2_500_000, 0, parentLoad: 1_050_000), "a change of 5 %: it waits");
        Assert.True(router.ParentDecisionDue(App, 3_000_000, 0, parentLoad: 1_500_000), "a change of 50 %, 3 s after: due");
        Assert.False(router.ParentDecisionDue(App, 6_000_000, 0, parentLoad: 1_500_000), "unchanged since: it waits");
        Assert.False(router.ParentDecisionDue(App, 6_000_000, 0), "no report: the period alone");
    }

    [Fact]
    public void ACandidateThatSaysItsLoadFellMakesTheDecisionDueAtTheSameBoundedRate()
    {
        // Period 10 s (the next decision due at 5 s with this draw). A candidate's notice before the child's first
        // decision is ignored (it has not looked yet); one 1 s after a decision waits for the bound (a quarter period),
        // and is due at the first update after it; once spent, the period alone again.
        var router = new FlowRouter(new PlanningOptions { Planner = "game", DecisionPeriodMicros = 10_000_000 });
        router.CandidateFreed(App);
        Assert.False(router.ParentDecisionDue(App, 0, 0, parentLoad: 1_000_000), "never at the first call");
        router.CandidateFreed(App);
        Assert.False(router.ParentDecisionDue(App, 1_000_000, 0, parentLoad: 1_000_000), "1 s after the last look: too soon");
        Assert.True(router.ParentDecisionDue(App, 2_500_000, 0, parentLoad: 1_000_000), "a quarter period after: due");
        Assert.False(router.ParentDecisionDue(App, 5_000_000, 0, parentLoad: 1_000_000), "the notice is spent: the period again");
    }

    [Fact]
    public void AFlowThatStoppedLeavesTheLoadTwoRoundsLater()
    {
        // Two children's models leave every second (the app's round); then one child moves away. Its bytes stop counting
        // once two rounds passed without them, long before the flow lifetime.
        var ledger = new TransferLedger();
        long now = 0;
        int round = 1;
        for (; round <= 3; round++, now += 1_000_000)
        {
            ledger.Carried(App, FlowDirection.Down, Parent, outgoing: true, 100_000, now, round);
            ledger.Carried(App, FlowDirection.Down, Other, outgoing: true, 100_000, now, round);
        }

        Assert.Equal(200_000, ledger.Own.UpBytesPerRound);
        ledger.Carried(App, FlowDirection.Down, Parent, outgoing: true, 100_000, now, round++);
        Assert.Equal(200_000, ledger.Own.UpBytesPerRound); // the other child's flow still counts a round after its last
        for (; round <= 6; round++, now += 1_000_000)
            ledger.Carried(App, FlowDirection.Down, Parent, outgoing: true, 100_000, now, round);
        Assert.Equal(100_000, ledger.Own.UpBytesPerRound);
        Assert.Equal(0, ledger.Own.DownBytesPerRound);
    }

    [Fact]
    public void AnAppWhoseRoundsStoppedLeavesTheLoadAfterThreeOfItsRounds()
    {
        // Two apps pass through a node, one every second and one every two seconds; then the first app's training ends
        // (its tree stays: every edge still there) while the second goes on. The first's flows stop loading the report
        // once three of its rounds (3 s) passed without one; a round that is merely slow (2.5 s) still counts. Counted
        // by rounds alone, an ended app's last two rounds loaded the node's report for good.
        NodeId other = NodeId.FromRandom(0x0102030405060708, 0x1112131415161718);
        var ledger = new TransferLedger { IsEdge = (_, _, _, _) => true };
        for (int round = 1; round <= 4; round++)
            ledger.Carried(App, FlowDirection.Down, Parent, outgoing: true, 100_000, round * 1_000_000, round);
        for (int round = 1; round <= 3; round++)
            ledger.Carried(other, FlowDirection.Down, Other, outgoing: true, 30_000, 500_000 + ((round - 1) * 2_000_000), round);
        Assert.Equal(130_000, ledger.Own.UpBytesPerRound);

        ledger.Advance(6_500_000); // the first app's last round came at 4 s: 2.5 of its rounds ago
        Assert.Equal(130_000, ledger.Own.UpBytesPerRound);
        ledger.Advance(7_100_000); // 3.1 of its rounds ago: ended; the second app's last came at 4.5 s, 1.3 of its rounds ago
        Assert.Equal(30_000, ledger.Own.UpBytesPerRound);
        ledger.Carried(App, FlowDirection.Down, Parent, outgoing: true, 100_000, 7_200_000, 5); // a round after all: it counts again
        Assert.Equal(130_000, ledger.Own.UpBytesPerRound);
    }

    /// <summary>A forwarder of the app (its parent and one child, 100 kB each way a round, rounds 1–4 a second apart) whose child then left.</summary>
    private static (TransferLedger Ledger, HashSet<PeerHandle> Edges) ForwarderWhoseChildLeft()
    {
        PeerHandle child = new(3);
        var edges = new HashSet<PeerHandle> { Parent, child };
        var ledger = new TransferLedger { IsEdge = (_, _, peer, _) => edges.Contains(peer) };
        for (int round = 1; round <= 4; round++)
        {
            long at = round * 1_000_000;
            ledger.Carried(App, FlowDirection.Down, Parent, outgoing: false, 100_000, at, round);
            ledger.Carried(App, FlowDirection.Up, Parent, outgoing: true, 100_000, at, round);
            ledger.Carried(App, FlowDirection.Down, child, outgoing: true, 100_000, at, round);
            ledger.Carried(App, FlowDirection.Up, child, outgoing: false, 100_000, at, round);
        }

        edges.Remove(child);
        return (ledger, edges);
    }

    [Fact]
    public void ANodeTheRoundsStoppedPassingPricesItsOwnEdgesForAMoverAndCountsThemOnceOneMovesIn()
    {
        // A forwarder of the app (model in from its parent, update out, 100 kB a round each) whose only child left: its
        // rounds stop passing (no worker below), and after three of them its report drops the app. A child that would
        // move here brings the rounds back over the node's own edges too: the answer to its probe counts them, and once
        // it moved in the report counts them and the mover's flows (before: none of it, and the children of one parent
        // moved onto an idle slow node together). An app whose root said its last round is not dormant: nothing comes back.
        PeerHandle mover = new(4);
        (TransferLedger ledger, HashSet<PeerHandle> edges) = ForwarderWhoseChildLeft(); // no worker is left below
        ledger.Advance(8_000_000);
        Assert.Equal(new LoadReport(0, 0, 0), ledger.Own with { UpBytesPerMicro = 0, DownBytesPerMicro = 0 });
        LoadReport answer = ledger.OwnFor(App);
        Assert.Equal((100_000, 100_000), (answer.UpBytesPerRound, answer.DownBytesPerRound)); // its own edge to its parent

        edges.Add(mover);
        ledger.MovedIn(App, mover, 8_100_000);
        Assert.Equal((200_000, 200_000), (ledger.Own.UpBytesPerRound, ledger.Own.DownBytesPerRound)); // its edge and the mover's flows

        var ended = new TransferLedger { IsEdge = (_, _, peer, _) => peer == Parent };
        for (int round = 1; round <= 4; round++)
            ended.Carried(App, FlowDirection.Down, Parent, outgoing: false, 100_000, round * 1_000_000, round);
        ended.FinalRound(App, 4, 4_000_000);
        ended.Advance(8_000_000);
        Assert.Equal(ended.Own, ended.OwnFor(App));
    }

    [Fact]
    public void ANodeWhoseAnswerUpIsEmptyIsAskedAtTheUpdateAMoverWouldBringUp()
    {
        // The rounds still come down to a forwarder (200 kB models), and it answers its parent with nothing (no worker
        // below, none here: 50 B). A child that moves under it brings its update up through it, as large as the model:
        // the answer to its probe counts the uplink at 200 kB, not 50 B. Priced at its empty answer, such a node looked
        // a model over its uplink cheaper than it is; once there, the mover found its old parent cheaper, and children
        // swapped between two parents for good. A forwarder whose answer is a real update (a worker below) is answered
        // as it is, and so is a node with nothing of the app (no model comes down).
        var empty = new TransferLedger { IsEdge = (_, _, peer, _) => peer == Parent };
        var working = new TransferLedger { IsEdge = (_, _, peer, _) => peer == Parent };
        for (int round = 1; round <= 4; round++)
        {
            long at = round * 1_000_000;
            empty.Carried(App, FlowDirection.Down, Parent, outgoing: false, 200_000, at, round);
            empty.Carried(App, FlowDirection.Up, Parent, outgoing: true, 50, at + 1, round);
            working.Carried(App, FlowDirection.Down, Parent, outgoing: false, 200_000, at, round);
            working.Carried(App, FlowDirection.Up, Parent, outgoing: true, 200_000, at + 1, round);
        }

        empty.Advance(4_500_000);
        working.Advance(4_500_000);
        Assert.Equal((50, 200_000), (empty.Own.UpBytesPerRound, empty.Own.DownBytesPerRound));
        Assert.Equal((200_000, 200_000), (empty.OwnFor(App).UpBytesPerRound, empty.OwnFor(App).DownBytesPerRound));
        Assert.Equal(working.Own, working.OwnFor(App));
        NodeId other = NodeId.FromRandom(0x0102030405060708, 0x1112131415161718);
        Assert.Equal(empty.Own, empty.OwnFor(other));
    }

    [Fact]
    public void AnIdleNodeStillPricesItsEdgeAfterTwoMinutesWhileAnEdgeThatIsGoneIsForgotten()
    {
        // The forwarder whose only child left, idle for 10 minutes with the ledger expired now and then as a node does.
        // Its edge to its parent is still a tree edge: a mover's probe is still answered with the model in and the update
        // out that the mover brings back, and the last round the edge took is still known. Before, every flow was forgotten
        // 120 s after its last transfer: an idle node answered its revival free (0, 0), and the run's observer took its edge
        // for a new one that carries every round (live-planning, 180 rounds: 31–78 players above ε where 90 rounds had 0–2).
        // A node that left the tree altogether (no edge left) forgets the app's flows after the 120 s, as before.
        (TransferLedger ledger, _) = ForwarderWhoseChildLeft();
        (TransferLedger left, HashSet<PeerHandle> leftEdges) = ForwarderWhoseChildLeft();
        leftEdges.Clear();
        for (long at = 10_000_000; at <= 600_000_000; at += 10_000_000)
        {
            ledger.Expire(at);
            left.Expire(at);
        }

        LoadReport answer = ledger.OwnFor(App);
        Assert.Equal((100_000, 100_000), (answer.UpBytesPerRound, answer.DownBytesPerRound));
        Assert.Equal(4, ledger.LastRoundAsChild(App));
        Assert.Equal(-1, left.LastRoundAsChild(App));
        Assert.Equal((0, 0), (left.OwnFor(App).UpBytesPerRound, left.OwnFor(App).DownBytesPerRound));
    }

    [Fact]
    public void AnIdleNodesAnswerCountsOnlyItsEdgeToItsParentWithAnUpdateAsLargeAsTheModel()
    {
        // A forwarder whose child is still its child but idle (no worker below either): the rounds stopped coming, and its
        // last update up was an empty answer. A mover brings the rounds back over the forwarder's edge to its parent only
        // (the selector sends them down to the mover, not to the idle child), and the forwarder's update then carries
        // the mover's aggregate, as large as the model. Counting every edge at its last bytes answered (100,016, 200,000).
        PeerHandle child = new(3);
        var ledger = new TransferLedger { IsEdge = (_, _, peer, _) => peer == Parent || peer == child };
        for (int round = 1; round <= 4; round++)
        {
            long at = round * 1_000_000;
            ledger.Carried(App, FlowDirection.Down, Parent, outgoing: false, 100_000, at, round);
            ledger.Carried(App, FlowDirection.Up, Parent, outgoing: true, round < 4 ? 100_000 : 16, at, round);
            ledger.Carried(App, FlowDirection.Down, child, outgoing: true, 100_000, at, round);
            ledger.Carried(App, FlowDirection.Up, child, outgoing: false, round < 4 ? 100_000 : 16, at, round);
        }

        ledger.Advance(8_000_000);
        LoadReport answer = ledger.OwnFor(App);
        Assert.Equal((100_000, 100_000), (answer.UpBytesPerRound, answer.DownBytesPerRound));
    }

    [Fact]
    public void ARevivedNodeWhoseNextRoundIsTheAppsLastCountsTheAppForARoundOfTheAppsPace()
    {
        // The forwarder of the test above, dormant from round 4 (rounds a second apart), revived by a mover at 20 s; the
        // next round to pass is the app's last, round 18, at 20.5 s. Its pace is still a second: it counts the app and
        // the mover until 21.5 s. (Before: the pace came out as the half second since the revival over the 14 rounds
        // skipped, 36 ms, the report dropped the app at once, and nine movers moved onto an idle slow node in the last
        // round, each priced against an empty report: docs/planning.md I.7.)
        PeerHandle mover = new(4);
        (TransferLedger ledger, HashSet<PeerHandle> edges) = ForwarderWhoseChildLeft();
        edges.Add(mover);
        ledger.MovedIn(App, mover, 20_000_000);
        ledger.Carried(App, FlowDirection.Down, Parent, outgoing: false, 100_000, 20_500_000, 18);
        ledger.FinalRound(App, 18, 20_500_000);
        ledger.Carried(App, FlowDirection.Down, mover, outgoing: true, 100_000, 20_500_000, 18);
        ledger.Advance(21_000_000);
        Assert.True(ledger.Own.DownBytesPerRound >= 100_000, $"the app dropped half a round after its last round came: {ledger.Own}");
        ledger.Advance(21_600_000);
        Assert.Equal(0, ledger.Own.DownBytesPerRound);
    }

    [Fact]
    public void AnAppWhoseRootSaidItsLastRoundLeavesTheLoadOneRoundLater()
    {
        // As above, but the first app's round 4 came flagged as the root's last: its flows leave the report one of its
        // rounds after that (the oracle above waits three), and a newer round (an app trained again) counts again.
        NodeId other = NodeId.FromRandom(0x0102030405060708, 0x1112131415161718);
        var ledger = new TransferLedger { IsEdge = (_, _, _, _) => true };
        for (int round = 1; round <= 4; round++)
            ledger.Carried(App, FlowDirection.Down, Parent, outgoing: true, 100_000, round * 1_000_000, round);
        ledger.FinalRound(App, 4, 4_000_000);
        ledger.Carried(other, FlowDirection.Down, Other, outgoing: true, 30_000, 4_500_000, 1);
        Assert.Equal(130_000, ledger.Own.UpBytesPerRound);

        ledger.Advance(4_900_000); // the last round is 0.9 of a round old: it may still be moving
        Assert.Equal(130_000, ledger.Own.UpBytesPerRound);
        ledger.Advance(5_100_000); // 1.1 rounds: over (the three-round rule would wait until 7 s)
        Assert.Equal(30_000, ledger.Own.UpBytesPerRound);
        ledger.Carried(App, FlowDirection.Down, Parent, outgoing: true, 100_000, 5_200_000, 5);
        Assert.Equal(130_000, ledger.Own.UpBytesPerRound);
    }

    [Fact]
    public void AReportReadAtALaterMomentIsWhatAProbeThenWouldGetAndMovesNoClock()
    {
        // The ended app of the test above, read 1.1 rounds after its last round came, by an observer (the audit) that
        // must change nothing: it gets what a probe then would (the app gone), and the ledger's own clock stays where
        // the node's last event left it (the app still counted until something moves it on).
        var ledger = new TransferLedger { IsEdge = (_, _, _, _) => true };
        for (int round = 1; round <= 4; round++)
            ledger.Carried(App, FlowDirection.Down, Parent, outgoing: true, 100_000, round * 1_000_000, round);
        ledger.FinalRound(App, 4, 4_000_000);

        Assert.Equal(0, ledger.OwnForAt(App, 5_100_000).UpBytesPerRound);
        Assert.Equal(100_000, ledger.Own.UpBytesPerRound); // its clock did not move
        Assert.Equal(100_000, ledger.OwnForAt(App, 4_900_000).UpBytesPerRound); // 0.9 of a round: may still be moving
        ledger.Advance(5_100_000);
        Assert.Equal(ledger.Own, ledger.OwnForAt(App, 5_100_000));
    }

    [Fact]
    public void AFlowWhoseTreeEdgeIsGoneLeavesTheLoadAtOnce()
    {
        // A node carries two children's models and its own update, every round of one app; then its last child of that
        // app moves away and the node stops carrying the app (no newer round of it ever comes here). Counted by rounds
        // alone, both children's flows stayed in its report; counted by its tree edges, the child that left stops at once,
        // and the relayed flow (not an edge of this node's own) still counts by rounds.
        var children = new HashSet<PeerHandle> { Parent, Other };
        var relayFor = new PeerHandle(9);
        var ledger = new TransferLedger { IsEdge = (app, direction, peer, outgoing) => (direction == FlowDirection.Down) == outgoing ? children.Contains(peer) : peer == new PeerHandle(7) };
        for (int round = 1; round <= 3; round++)
        {
            ledger.Carried(App, FlowDirection.Down, Parent, outgoing: true, 100_000, round * 1_000_000, round);
            ledger.Carried(App, FlowDirection.Down, Other, outgoing: true, 100_000, round * 1_000_000, round);
            ledger.Carried(App, FlowDirection.Up, new PeerHandle(7), outgoing: true, 30_000, round * 1_000_000, round);
            ledger.Carried(App, FlowDirection.Up, relayFor, outgoing: true, 50_000, round * 1_000_000, round, relayed: true);
        }

        Assert.Equal(280_000, ledger.Own.UpBytesPerRound);
        children.Remove(Other);
        Assert.Equal(180_000, ledger.Own.UpBytesPerRound);
        children.Remove(Parent);
        Assert.Equal(80_000, ledger.Own.UpBytesPerRound);
        Assert.Equal(50_000, ledger.LoadExcept(outgoing: true, App, FlowDirection.Up, new PeerHandle(7)));
    }

    [Fact]
    public void ASiblingsHopCostsAChildWithChildrenMore()
    {
        // Every link 1 B/µs. The current parent carries two other children (its links 3 × 100 kB a round each way: the
        // child's cost 800 ms); a sibling carries none (400 ms) but is a level deeper: the model's 100 ms more on the way
        // down and the update's 100 ms more on the way up, in the sibling's aggregate. A child without children of its own
        // moves (600 against 800 ms); one with eight pays the level for them too, 0.3 each (400 + 3.4 × 200 ms), and
        // stays; a candidate that is not deeper costs no level.
        TransferLedger ledger = TwoParents(3 * 100_000, 0);
        IFlowPlanner game = FlowPlannerKind.Create("game", 0.05);
        PeerHandle[] candidates = [Parent, Other];
        Assert.Equal(Other, game.Parent(new ParentQuery(App, Parent, 100_000, 100_000, candidates, new[] { Other }, Children: 0), ledger, out _));
        Assert.Equal(Parent, game.Parent(new ParentQuery(App, Parent, 100_000, 100_000, candidates, new[] { Other }, Children: 8), ledger, out _));
        Assert.Equal(Other, game.Parent(new ParentQuery(App, Parent, 100_000, 100_000, candidates, default, Children: 8), ledger, out _)); // not deeper: no hop
    }

    [Fact]
    public void ASiblingsHopIsPricedFromTheRoundTripItToldToItsParent()
    {
        // The sibling is 40 ms from the child (80 ms round trip) and told that its own parent is 10 ms from it (20 ms
        // round trip): under it the model and the update take the 10 ms hop, not the child's 40 ms. Closed form: the told
        // hop saves (40 − 10) ms each way per level counted (1 + 0.3 × 2 children = 1.6). Not told, the child's own
        // round trip stands in.
        TransferLedger ledger = TwoParents(3 * 100_000, 100_000);
        ledger.RoundTrip(Other, 80_000);
        double untold = FlowCosts.Parent(ledger, Other, Parent, 100_000, 100_000, loadAware: true, extraHops: 1.6);
        double told = FlowCosts.Parent(ledger, Other, Parent, 100_000, 100_000, loadAware: true, extraHops: 1.6, hopMicros: 10_000);
        Assert.Equal(1.6 * 2 * (40_000 - 10_000), untold - told, 6);

        var query = new ParentQuery(App, Parent, 100_000, 100_000, new[] { Parent, Other }, new[] { Other }, Children: 2, DeeperHops: new[] { 10_000L });
        Assert.Equal((10_000L, 0L), (query.HopInto(Other), query.HopInto(Parent)));
        Assert.Equal(0L, (query with { DeeperHops = default }).HopInto(Other));

        // The answer to a probe carries it, through the codec, where an ack carries its queue wait.
        Message reply = Totoro.Core.Forest.PlanMessages.ProbeReply(App, 5, depth: 2, children: null, new LoadReport(1, 2, 3), gap: 7, parentRoundTrip: 20_000);
        var directory = new TestDirectory();
        Assert.True(MessageCodec.TryDecode(MessageCodec.Encode(reply, directory), directory, out Message back, out string? error), error);
        var view = new Totoro.Core.Forest.PlanView(in back);
        Assert.Equal((20_000L, 7L, new LoadReport(1, 2, 3)), (view.ParentRoundTrip, view.AckGap, view.Report!.Value));
        Message ack = Totoro.Core.Forest.PlanMessages.TransferAck(App, 1, FlowDirection.Up, new LoadReport(1, 2, 3), 0, queued: 5_000);
        Assert.Equal(0L, new Totoro.Core.Forest.PlanView(in ack).ParentRoundTrip); // an ack's queue wait is not a round trip
    }

    [Fact]
    public void ASlowParentReportsAllItsChildrenWhateverTheTimeBetweenTransfers()
    {
        // A slow parent sends its round's models over seconds; one child's flow sends twice in the round (a repeat
        // 0.1 s apart) and another app's traffic moves the clock on. Every child of the round still counts: a period
        // taken from the time between two transfers (the first version) made this parent report almost none of it.
        var ledger = new TransferLedger();
        NodeId other = NodeId.FromRandom(0x1234, 0x5678);
        var children = Enumerable.Range(10, 15).Select(i => new PeerHandle(i)).ToArray();
        long now = 0;
        foreach (PeerHandle child in children)
            ledger.Carried(App, FlowDirection.Down, child, outgoing: true, 200_000, now += 100_000, round: 7);
        ledger.Carried(App, FlowDirection.Down, children[^1], outgoing: true, 200_000, now += 100_000, round: 7);
        for (int round = 1; round <= 5; round++)
            ledger.Carried(other, FlowDirection.Up, Parent, outgoing: true, 50_000, now += 1_000_000, round);
        Assert.Equal((15 * 200_000) + 50_000, ledger.Own.UpBytesPerRound);
    }

    [Fact]
    public void OnlyTheGameSeesThatTheOtherFlowsCrowdAParent()
    {
        // Two candidate parents, equally fast on their own; the current one carries ten other children's models.
        TransferLedger ledger = TwoParents(11 * 100_000, 0);
        var query = new ParentQuery(App, Parent, 100_000, 100_000, new[] { Parent, Other });

        Assert.Equal(Other, FlowPlannerKind.Create("game", 0.05).Parent(query, ledger, out _));
        Assert.Equal(Parent, FlowPlannerKind.Create("bandit", 0.05).Parent(query, ledger, out _));
        Assert.Equal(Parent, FlowPlannerKind.Create("static", 0.05).Parent(query, ledger, out _));
    }

    [Theory]
    [InlineData(6.0, 6.0)]   // measured slower than the uplink but above half of it: believed
    [InlineData(5.0, 5.0)]   // exactly half: believed
    [InlineData(3.0, 10.0)]  // below half: more likely a loose lower bound, priced at the uplink
    [InlineData(0.0, 10.0)]  // not measured: the uplink
    [InlineData(40.0, 40.0)] // faster than the uplink: as measured
    public void AParentsMeasuredDownlinkIsBelievedDownToHalfItsUplink(double measured, double priced)
    {
        // A parent with a 10 B/µs uplink and nothing else to carry; the child's own links are fast (1,000 B/µs each
        // way) and the round trip 1 ms, so the cost is, in closed form, 1,000 µs + the update over the parent's downlink
        // at the priced rate + the model over its uplink + the two tiny terms of the child's links.
        var ledger = new TransferLedger();
        ledger.RoundTrip(Parent, 1_000);
        ledger.Heard(Parent, new LoadReport(UpBytesPerRound: 0, DownBytesPerRound: 0, UpBytesPerMicro: 10, DownBytesPerMicro: measured));
        ledger.UplinkTimed(100_000, 100);
        double cost = FlowCosts.Parent(ledger, Parent, Parent, 100_000, 100_000, loadAware: true);
        double expected = 1_000 + (100_000 / priced) + (100_000 / 10.0) + (100_000 / 1_000.0) + (100_000 / 1_000.0);
        Assert.Equal(expected, cost, 6);
    }

    [Fact]
    public void AParentOnTheChildsOwnHostIsPricedWithoutTheHostsSlowLinks()
    {
        // The child's host is slow (0.1 B/µs each way, as it measured and as its co-hosted node reports); a remote parent
        // is fast (1 B/µs). Both carry nothing else. Through loopback the co-hosted parent costs only its round trip.
        TransferLedger Ledger(bool knowsHost)
        {
            var ledger = new TransferLedger { SharesHost = knowsHost ? p => p == Parent : null };
            ledger.RoundTrip(Parent, 50);
            ledger.RoundTrip(Other, 2_000);
            ledger.Heard(Parent, new LoadReport(UpBytesPerRound: 0, DownBytesPerRound: 0, UpBytesPerMicro: 0.1, DownBytesPerMicro: 0.1));
            ledger.Heard(Other, new LoadReport(UpBytesPerRound: 0, DownBytesPerRound: 0, UpBytesPerMicro: 1, DownBytesPerMicro: 1));
            return ledger;
        }

        var query = new ParentQuery(App, Other, 100_000, 100_000, new[] { Parent, Other });
        Assert.Equal(Parent, FlowPlannerKind.Create("game", 0.05).Parent(query, Ledger(knowsHost: true), out double gain));
        Assert.True(gain > 0.9, $"gain {gain}");
        // Priced as if apart (the fault the namespace test found): the slow host's rates on both ends, so it stays.
        Assert.Equal(Other, FlowPlannerKind.Create("game", 0.05).Parent(query, Ledger(knowsHost: false), out _));
    }

    [Fact]
    public void TransfersOverLoopbackNeitherRaiseTheHostsRatesNorLoadItsReport()
    {
        var ledger = new TransferLedger { SharesHost = p => p == Parent };
        ledger.RoundTrip(Parent, 10);
        ledger.RoundTrip(Other, 1_000);
        Observe(ledger, Other, microsPerByte: 10);   // 0.1 B/µs over the host's uplink
        Observe(ledger, Parent, microsPerByte: 0.01); // 100 B/µs over loopback
        for (int i = 0; i < 10; i++)
            ledger.Arrived(100_000, 1_000 * (i + 1), from: Parent); // a co-hosted sender: 100 B/µs, never on the downlink
        ledger.Carried(App, FlowDirection.Up, Parent, outgoing: true, 100_000, 0, round: 1);
        ledger.Carried(App, FlowDirection.Up, Other, outgoing: true, 30_000, 0, round: 1);

        LoadReport own = ledger.Own;
        Assert.InRange(own.UpBytesPerMicro, 0.09, 0.2); // the remote transfers' rate (less a round trip), not loopback's
        Assert.Equal(0, own.DownBytesPerMicro);
        Assert.Equal(30_000, own.UpBytesPerRound);
    }

    [Fact]
    public void AFlowMovesOnlyForAGainAboveEpsilon()
    {
        // Direct link observed at 1.0 µs/byte; the relay's path at 0.97 (3 % better) or 0.5 (50 % better).
        foreach ((double relayed, bool moves) in new[] { (0.97, false), (0.5, true) })
        {
            var ledger = new TransferLedger();
            Observe(ledger, Parent, microsPerByte: 1.0);
            Observe(ledger, Parent, microsPerByte: relayed, relay: Other);
            var flow = new FlowQuery(App, FlowDirection.Up, Parent, 100_000, FlowStrategy.Direct, new[] { Other });
            FlowStrategy chosen = FlowPlannerKind.Create("bandit", 0.05).Route(flow, ledger, out _);
            Assert.Equal(moves ? new FlowStrategy(Other) : FlowStrategy.Direct, chosen);
        }
    }

    [Fact]
    public void APlannerSeesOnlyWhatItsNodeObserved()
    {
        // Structural: every planner decides from IPlanningObservations and the flow's own query, and that interface
        // hands out nothing but the node's own counts and reports. Totoro.Core references no world (Sim, Net) at all.
        foreach (MethodInfo method in typeof(IFlowPlanner).GetMethods())
        {
            foreach (ParameterInfo parameter in method.GetParameters())
            {
                Type type = parameter.ParameterType.IsByRef ? parameter.ParameterType.GetElementType()! : parameter.ParameterType;
                Assert.Contains(type, new[] { typeof(FlowQuery), typeof(ParentQuery), typeof(IPlanningObservations), typeof(double) }); // the double: the gain it reports
            }
        }

        Type[] allowed = [typeof(bool), typeof(long), typeof(double), typeof(HopEstimate), typeof(LoadReport), typeof(LoadReport?), typeof(PeerHandle)];
        foreach (MethodInfo method in typeof(IPlanningObservations).GetMethods())
        {
            Assert.Contains(method.ReturnType, allowed);
            Assert.All(method.GetParameters(), p => Assert.Contains(p.ParameterType, allowed));
        }

        Assert.DoesNotContain(typeof(IFlowPlanner).Assembly.GetReferencedAssemblies(), a => a.Name is "Totoro.Sim" or "Totoro.Net");
    }

    /// <summary>A child that sent to two parents at 1 µs/byte and heard their loads (bytes per round each way), 1 B/µs links.</summary>
    private static TransferLedger TwoParents(long parentLoad, long otherLoad)
    {
        var ledger = new TransferLedger();
        Observe(ledger, Parent, microsPerByte: 1.0);
        Observe(ledger, Other, microsPerByte: 1.0);
        ledger.Heard(Parent, new LoadReport(UpBytesPerRound: parentLoad, DownBytesPerRound: parentLoad, UpBytesPerMicro: 1));
        ledger.Heard(Other, new LoadReport(UpBytesPerRound: otherLoad, DownBytesPerRound: otherLoad, UpBytesPerMicro: 1));
        return ledger;
    }

    private static void Observe(TransferLedger ledger, PeerHandle peer, double microsPerByte, PeerHandle relay = default)
    {
        long now = 0;
        for (int i = 0; i < 50; i++)
        {
            long token = ledger.Sent(peer, relay, 100_000, now);
            ledger.Acked(token, now + (long)(microsPerByte * 100_000), null);
            now += 1_000_000;
        }
    }
}
