using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class LookupTimeoutTests
{
    [Fact]
    public void A_lookup_a_hop_acked_and_then_lost_is_sent_again_by_its_origin_and_arrives()
    {
        (int delivered, int issued, int resent) = Run(new PastryOptions().WithFreePastryTimers());
        Assert.Equal(issued, delivered);
        Assert.True(resent > 0, "some lookups must have needed the end-to-end timeout");
    }

    [Fact]
    public void Without_the_lookup_timeout_those_lookups_are_lost()
    {
        // The oracle for the test above: the same black holes lose lookups when nobody sends them again.
        (int delivered, int issued, int resent) = Run(new PastryOptions().WithFreePastryTimers() with { LookupTimeoutMicros = 0 });
        Assert.True(delivered < issued, $"{delivered} of {issued} delivered");
        Assert.Equal(0, resent);
    }

    /// <summary>
    /// Every fifth node acks the first copy of each lookup it is handed and then drops it, as a node that crashes right
    /// after acking would, except that it stays up (so a second try through it gets through).
    /// </summary>
    private static (int Delivered, int Issued, int Resent) Run(PastryOptions options)
    {
        var config = new OverlaySimConfig { Nodes = 300, Lookups = 300, Seed = 31, Pastry = options };
        OverlayScenario? scenario = null;
        scenario = new OverlayScenario(config, (index, id, listener) =>
        {
            var node = new PastryNode(scenario!.World, id, options, listener);
            return (index % 5 == 0 ? new AckThenDropFirstLookup(node, scenario.World) : node, node);
        });
        var arrived = new HashSet<(int Origin, long Stamp)>();
        scenario.LookupDelivered = (_, message) => arrived.Add((message.Origin.Index, message.Stamp));
        SimReport report = scenario.Run();
        int resent = Enumerable.Range(0, 300).Sum(i => scenario.Node(i)!.LookupsResent);
        return (arrived.Count, report.Overlay.Lookups, resent);
    }

    private sealed class AckThenDropFirstLookup(PastryNode inner, INodeContext context) : INodeProgram
    {
        private readonly HashSet<(int Origin, long Stamp)> _seen = [];

        public void Receive(PeerHandle from, in Message message)
        {
            if (message.Kind == MessageKind.Lookup && _seen.Add((message.Origin.Index, message.Stamp)))
            {
                context.Send(from, new Message { Kind = MessageKind.RouteAck, Key = message.Key, Stamp = message.Stamp });
                return;
            }

            inner.Receive(from, message);
        }

        public void OnTimer(int timer, long argument) => inner.OnTimer(timer, argument);
    }
}
