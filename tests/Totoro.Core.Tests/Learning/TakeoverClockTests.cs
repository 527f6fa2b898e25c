using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Learning;

/// <summary>
/// A master's checkpoint carries the training time so far, not the moment training started: that moment is on the
/// old master's clock, and in real mode the host that takes over has its own (a restarted one counts from zero).
/// </summary>
public class TakeoverClockTests
{
    private const long Second = 1_000_000;
    private static readonly AppSpec Spec = new() { Dataset = "synthetic", Partition = PartitionSpec.Natural, Workers = 12, ClientsPerRound = 4, Rounds = 5, LearningRate = 0.1f };

    private readonly FakeNetwork _network = new(seed: 12);
    private readonly NodeId _appId = NodeId.FromRandom(0x7a4e_0000_0000_0000, 3);

    [Fact]
    public void A_master_taking_over_on_a_clock_that_started_later_carries_the_training_time_on()
    {
        const ulong Seed = 4;
        FederatedWorkload workload = FederatedWorkload.Load(Spec, Seed);
        var info = new LearningAppInfo(Spec, Seed, workload.Model.ParameterCount, Timing: false);
        FederatedApp? onA = null, onB = null;

        // A, the root, on a host up for 1,000 s; B, its replica holder, on a host that restarted 5 s ago.
        (ForestNode a, FakeNodeContext clockA, PeerHandle handleA) = Node(_appId.Value + 1, () => onA!);
        (ForestNode b, FakeNodeContext clockB, PeerHandle handleB) = Node(_appId.Value + 2, () => onB!);
        clockA.AdvanceTo(1_000 * Second, a);
        clockB.AdvanceTo(5 * Second, b);
        a.Receive(handleB, new Message { Kind = MessageKind.Announce });
        b.Receive(handleA, new Message { Kind = MessageKind.Announce });

        a.Subscribe(AppDescriptor.Default(_appId, "clocks", 8));
        onA = new FederatedApp(_appId, info, workload, observer: null);
        onA.Start(a, clockA.Now); // round 1 at A's 1,000 s
        clockA.Advance(300 * Second, a);
        a.Receive(handleB, new Message { Kind = MessageKind.Announce }); // B never answered A's pings here: A hears of it again
        Assert.True(a.Overlay.KnowsOf(handleB));
        a.Aggregate(_appId, 1, FederatedWorker.Train(workload, 0, 1, onA.Master!.RoundPayload([0]), Seed, 0)); // round 1 done: round 2 broadcast
        Assert.Equal(1, onA.Master.CompletedRounds);

        // Round 2's replica reaches B at B's 5 s; A dies; B is now closest and takes over at B's 15 s.
        Message replica = clockA.Drain().Last(s => s.To == handleB && s.Message.Kind == TreeKind.Replica && s.Message.Round == 2).Message;
        onB = new FederatedApp(_appId, info, workload, observer: null);
        b.Receive(handleA, replica);
        clockB.Advance(10 * Second, b);
        b.Receive(handleA, new Message { Kind = MessageKind.Leave });

        Assert.True(b.IsRootOf(_appId));
        Assert.Equal(1, onB.Master?.CompletedRounds);
        // 300 s of training up to round 2's broadcast, and 10 s since on B's clock; A's start (1,000 s) means nothing here.
        Assert.Equal(310 * Second, clockB.Now - onB.StartedAt);
    }

    private (ForestNode Node, FakeNodeContext Clock, PeerHandle Handle) Node(UInt128 id, Func<FederatedApp> app)
    {
        PeerHandle self = _network.Add(new NodeId(id));
        FakeNodeContext context = _network.ContextFor(self);
        var node = new ForestNode(context, _network.IdOf(self), new PastryOptions(), hooks: null, new Learner(app, context));
        node.Join(PeerHandle.None);
        return (node, context, self);
    }

    /// <summary>The forest's calls, passed to the app on its node's own clock (what LearningNode does).</summary>
    private sealed class Learner(Func<FederatedApp> app, FakeNodeContext clock) : IForestApp
    {
        public void OnBroadcast(ForestNode node, NodeId id, int round, Payload payload)
        {
        }

        public void OnAggregated(ForestNode node, NodeId id, int round, Payload merged, long contributions)
            => app().OnAggregated(node, round, merged, contributions, clock.Now);

        public void OnRootTakeover(ForestNode node, NodeId id, int round, Payload? checkpoint)
            => app().OnRootTakeover(node, round, checkpoint, clock.Now);
    }
}
