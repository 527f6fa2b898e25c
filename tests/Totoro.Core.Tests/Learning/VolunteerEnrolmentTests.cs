using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Learning;

/// <summary>
/// A volunteer (a real host's node) asks the app's root for a shard only where the root's rounds reach it. Enrolled
/// while its JOIN was still on its way, or from a root of its own that formed while the overlay settled, it filled
/// the roster of a root whose first round then never came to it, and that round closed short (the fresh-clone CI of
/// 2c3dd4c: `ModelExportTests`, a node of the second host root of its own when the app started).
/// </summary>
public class VolunteerEnrolmentTests
{
    private const ulong Seed = 5;
    private static readonly AppSpec Spec = new() { Dataset = "synthetic", Partition = PartitionSpec.Natural, Workers = 4, ClientsPerRound = 4, Rounds = 2, LearningRate = 0.1f };

    private readonly FakeNetwork _network = new(seed: 21);
    private readonly NodeId _appId = NodeId.FromRandom(0x3e40_0000_0000_0000, 9);
    private readonly WorkloadCache _workloads = new();

    [Fact]
    public void A_volunteer_still_joining_enrols_once_its_parent_takes_it()
    {
        PeerHandle root = _network.Add(new NodeId(_appId.Value + 1));
        (ForestNode node, FakeNodeContext context, LearningNode learner) = Volunteer(knows: [root]);

        learner.OnDiscovered(node, Advertisement());
        Assert.Contains(context.Drain(), s => s.To == root && s.Message.Kind == TreeKind.Join);
        learner.Nudge(node); // the host's second passes with the JOIN unanswered
        Assert.Equal(0, Enrols(context.Drain()));

        node.Receive(root, TreeMessages.JoinAck(_appId, round: 0, fanout: 8, parents: null));
        Assert.Equal(1, Enrols(context.Drain(), to: root));
    }

    [Fact]
    public void A_root_of_its_own_joins_the_closer_node_at_the_next_second_and_enrols_only_then()
    {
        (ForestNode node, FakeNodeContext context, LearningNode learner) = Volunteer(knows: []);
        learner.OnDiscovered(node, Advertisement());
        Assert.True(node.IsRootOf(_appId)); // no closer node known: its JOIN made it the app's root
        context.Drain();

        PeerHandle closer = _network.Add(new NodeId(_appId.Value + 1));
        node.Receive(closer, new Message { Kind = MessageKind.Announce });
        context.Drain();
        Assert.Equal(closer, node.Overlay.NextHop(_appId));
        Assert.True(node.IsRootOf(_appId));

        learner.Nudge(node); // the host's next second: it steps down and joins the closer node, and does not enrol yet
        Assert.False(node.IsRootOf(_appId));
        List<FakeNodeContext.Sent> sent = context.Drain();
        Assert.Contains(sent, s => s.To == closer && s.Message.Kind == TreeKind.Join);
        Assert.Equal(0, Enrols(sent));
        node.Receive(closer, TreeMessages.JoinAck(_appId, round: 0, fanout: 8, parents: null));
        Assert.Equal(1, Enrols(context.Drain(), to: closer));
    }

    [Fact]
    public void A_root_of_its_own_whose_only_closer_node_is_under_suspicion_stays_root_until_the_doubt_is_lifted()
    {
        // The soak of the fresh-clone CI of c9e24c2 lost a host to a stack overflow: its node was a root of its own,
        // the only node closer to the app was under suspicion (a host had just been cut off), so the overlay's next hop
        // was that node while the JOIN's next live hop was none. Stepping down sent a JOIN that made it root again,
        // whose attach hook asked for a shard, which stepped down again, and so on until the stack ran out.
        (ForestNode node, FakeNodeContext context, LearningNode learner) = Volunteer(knows: []);
        learner.OnDiscovered(node, Advertisement());
        Assert.True(node.IsRootOf(_appId));
        PeerHandle closer = _network.Add(new NodeId(_appId.Value + 1));
        node.Receive(closer, new Message { Kind = MessageKind.Announce });
        node.Overlay.ReportUnresponsive(closer); // probed: under suspicion, not yet declared dead
        context.Drain();
        Assert.Equal(closer, node.Overlay.NextHop(_appId));
        Assert.True(node.Overlay.NextLiveHop(_appId, PeerHandle.None, RouteScope.Global).IsNone);

        learner.Nudge(node); // the host's next second: no JOIN can leave, so it stays root, and does not enrol
        Assert.True(node.IsRootOf(_appId));
        Assert.Equal(0, Enrols(context.Drain()));

        node.Receive(closer, new Message { Kind = MessageKind.LeafSetPong }); // it answers: the doubt is lifted
        context.Drain();
        learner.Nudge(node);
        Assert.False(node.IsRootOf(_appId));
        Assert.Contains(context.Drain(), s => s.To == closer && s.Message.Kind == TreeKind.Join);
    }

    /// <summary>The enrolments among <paramref name="sent"/>: the only learning requests routed to the app's id here.</summary>
    private int Enrols(IEnumerable<FakeNodeContext.Sent> sent, PeerHandle? to = null)
        => sent.Count(s => s.Message.Kind == TreeKind.AppRouted && s.Message.Key == _appId && s.Message.Row == LearningMessage.Tag && (to is null || s.To == to));

    private Advertisement Advertisement()
    {
        FederatedWorkload workload = FederatedWorkload.Load(Spec, Seed);
        var info = new LearningAppInfo(Spec, Seed, workload.Model.ParameterCount, Timing: false) { MinWorkers = 1 };
        AppDescriptor descriptor = AppDescriptor.Default(_appId, "volunteers", 8) with { Application = info.Encode() };
        return new Advertisement(_appId, 8, "volunteers", "") { Descriptor = descriptor.Encode() };
    }

    private (ForestNode Node, FakeNodeContext Context, LearningNode Learner) Volunteer(IEnumerable<PeerHandle> knows)
    {
        PeerHandle self = _network.Add(new NodeId(_appId.Value + 1000));
        FakeNodeContext context = _network.ContextFor(self);
        var learner = new LearningNode(() => context.Now, _workloads) { Volunteer = true };
        var node = new ForestNode(context, _network.IdOf(self), new PastryOptions(), hooks: LearningTreeHooks.Default, learner);
        node.Join(PeerHandle.None);
        foreach (PeerHandle peer in knows)
            node.Receive(peer, new Message { Kind = MessageKind.Announce });
        context.Drain();
        return (node, context, learner);
    }
}
