using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Core.Tests.Fakes;

namespace Totoro.Core.Tests.Forest;

/// <summary>
/// The root's last round of training is flagged on its broadcast, and every node passes the flag on to its children
/// with the round, whole or in chunks; a round not flagged passes on unflagged (the oracle: the same round without it).
/// </summary>
public class FinalRoundTests
{
    private readonly FakeNetwork _network = new(seed: 47);
    private readonly NodeId _appId = NodeId.FromRandom(0xf1a1_0000_0000_0000, 11);

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void A_final_round_goes_down_flagged_and_another_does_not(bool final, bool chunked)
    {
        (ForestNode node, FakeNodeContext context, _, PeerHandle parent, PeerHandle[] children) = TreeSeat.Worker(_network, _appId);
        context.Drain();
        MessageFlags flag = final ? TreeFlags.FinalRound : MessageFlags.None;
        Payload model = Payload.FromVector(new float[chunked ? (ModelChunks.ChunkBytes / 4) + 10 : 16]);
        if (chunked)
        {
            for (int k = 0; k < ModelChunks.CountOf(model.ContentBytes); k++)
                node.Receive(parent, TreeMessages.BroadcastChunk(_appId, 1, ModelChunks.Slice(model, k), depth: 1, timeLeft: 0) with { Flags = TreeFlags.Chunk | flag });
        }
        else
        {
            node.Receive(parent, TreeMessages.Broadcast(_appId, 1, model, depth: 1, timeLeft: 0) with { Flags = flag });
        }

        List<FakeNodeContext.Sent> down = [.. context.Drain().Where(s => s.Message.Kind == TreeKind.Broadcast && s.Message.Key == _appId)];
        Assert.Equal(children.Length * (chunked ? 2 : 1), down.Count);
        Assert.All(children, c => Assert.Contains(down, s => s.To == c));
        Assert.All(down, s => Assert.Equal(flag, s.Message.Flags & TreeFlags.FinalRound));
    }
}
