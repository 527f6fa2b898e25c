using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Overlay;

/// <summary>
/// Nodes that join at once through the same node: with the join confirmed (MSPastry's rule) every leaf set holds
/// every other node by the time the last node says it joined; without it some do not (the oracle: all ids, sorted).
/// </summary>
public class JoinConfirmationTests
{
    private static readonly PastryOptions Confirmed = new() { ConfirmLeafSetOnJoin = true };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Nodes_joining_at_once_know_each_other_when_the_last_says_it_joined(ulong seed)
    {
        var world = new ConcurrentJoinWorld(Confirmed, nodes: 8, seed);
        world.RunUntilAllJoined();
        Assert.Equal(8, world.JoinedCount);
        Assert.Empty(world.MissingFromLeafSets());
    }

    [Fact]
    public void Without_the_confirmation_the_same_joins_leave_nodes_unknown_to_each_other()
    {
        // The oracle for the test above: the plain join says "joined" with leaf sets from before the others arrived.
        int missing = 0;
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var world = new ConcurrentJoinWorld(new PastryOptions(), nodes: 8, seed);
            world.RunUntilAllJoined();
            missing += world.MissingFromLeafSets().Count;
        }

        Assert.True(missing > 0, "every leaf set was exact without the confirmation: the test above proves nothing");
    }

    [Fact]
    public void A_member_that_never_answers_holds_the_join_only_for_the_confirmation_rounds()
    {
        // Node 0 answers node 1 first, so node 2 hears of node 1 from node 0's pong and asks it; node 1's answers are lost.
        var world = new ConcurrentJoinWorld(Confirmed, nodes: 3, seed: 4) { Drop = (from, to, message) => message.Kind == MessageKind.LeafSetPong && from == 1 && to == 2 };
        world.RunUntilAllJoined();
        Assert.Equal(3, world.JoinedCount);
        long rounds = 3 * Confirmed.ProbeTimeoutMicros * (Confirmed.ProbeTries + 1);
        Assert.InRange(world.JoinedAt[2], rounds, rounds + 1_000_000); // waited the three rounds, then stood
        Assert.InRange(world.JoinedAt[1], 0, 1_000_000); // the other joiner was answered at once
    }

    [Fact]
    public void A_node_is_routable_while_it_confirms_but_says_joined_only_after()
    {
        var world = new ConcurrentJoinWorld(Confirmed, nodes: 2, seed: 5);
        world.Run(until: 2 * SmallWorld.LinkDelay + 1); // the join reply is in, the confirmation ping is not answered
        Assert.True(world.Node(1).IsJoined);
        Assert.True(world.Node(1).IsConfirmingJoin);
        Assert.Equal(-1, world.JoinedAt[1]);
        world.RunUntilAllJoined();
        Assert.False(world.Node(1).IsConfirmingJoin);
        Assert.Equal(4 * SmallWorld.LinkDelay, world.JoinedAt[1]); // request, reply, ping, pong
    }

    /// <summary>Node 0 founds the overlay; every other node joins through it at the same instant, over equal links.</summary>
    private sealed class ConcurrentJoinWorld : SmallWorld
    {
        private readonly int _count;

        public ConcurrentJoinWorld(PastryOptions options, int nodes, ulong seed)
        {
            var random = new Random((int)seed);
            _count = nodes;
            JoinedAt = [.. Enumerable.Repeat(-1L, nodes)];
            Populate([.. Enumerable.Range(0, nodes).Select(_ => NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64()))], options);
            Node(0).Start(PeerHandle.None);
            for (int i = 1; i < nodes; i++)
                Node(i).Start(new PeerHandle(0));
        }

        public long[] JoinedAt { get; }

        public int JoinedCount => JoinedAt.Count(t => t >= 0);

        public Func<int, int, Message, bool>? Drop { get; init; }

        /// <summary>Runs to the instant the last node says it joined (no further: the keep-alives would mend the rest).</summary>
        public void RunUntilAllJoined()
        {
            while (JoinedCount < _count && Step())
            {
            }
        }

        /// <summary>(node, other) pairs where the other node is missing from the node's leaf set (every node fits in one).</summary>
        public List<(int Node, int Missing)> MissingFromLeafSets()
        {
            var missing = new List<(int, int)>();
            for (int i = 0; i < _count; i++)
            {
                HashSet<int> known = [.. Node(i).RightLeaves().Concat(Node(i).LeftLeaves()).Select(p => p.Index)];
                missing.AddRange(Enumerable.Range(0, _count).Where(j => j != i && !known.Contains(j)).Select(j => (i, j)));
            }

            return missing;
        }

        public override void OnJoined(PastryNode node) => JoinedAt[IndexOf(node)] = Now;

        protected override bool Drops(int from, int to, in Message message) => Drop?.Invoke(from, to, message) == true;
    }
}
