using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class SilentHopHintTests
{
    [Fact]
    public void A_re_join_names_its_dead_parent_so_the_node_forwarding_it_does_not_send_into_the_dead_parent_too()
    {
        var forest = new ForestScenario(
            new OverlaySimConfig { Nodes = 300, Lookups = 0, Seed = 21, Pastry = new PastryOptions().WithPaperFailureTimers() },
            new ForestSimConfig { Apps = 1, SubscribersPerApp = 30, TreeTimers = ChurnSimConfig.TreeTimersFor("paper") });
        forest.Run();
        ForestScenario.AppRun app = forest.Apps.Single();
        bool InTree(int i) => forest.Node(i).TryGetTree(app.Id, out TreeInfo t) && (t.IsRoot || !t.Parent.IsNone);

        // A fresh subscriber O whose route to the app runs through tree node P; its way around P, X, is outside the
        // tree and would itself route through P.
        (int o, int p, int x) = Enumerable.Range(0, 300).Select(o =>
        {
            PeerHandle p = forest.Node(o).Overlay.NextHop(app.Id);
            if (o == app.Root || InTree(o) || p.IsNone || p.Index == app.Root || !InTree(p.Index))
                return (-1, -1, -1);
            PeerHandle x = forest.Node(o).Overlay.NextLiveHop(app.Id, p, RouteScope.Global);
            return !x.IsNone && !InTree(x.Index) && forest.Node(x.Index).Overlay.NextHop(app.Id) == p ? (o, p.Index, x.Index) : (-1, -1, -1);
        }).First(c => c.Item1 >= 0);
        forest.World.Enter(o);
        forest.Discover(o, app.Descriptor); // as the advertise–discover tree would tell it
        forest.Node(o).Subscribe(app.Id);
        forest.World.RunUntil(forest.World.Now + 1_000_000);
        Assert.True(forest.Node(o).TryGetTree(app.Id, out TreeInfo before) && before.Parent.Index == p);

        int joinsIntoDeadParent = 0;
        forest.World.OnSend = (int from, int to, in Message m) =>
        {
            if (to == p && m.Kind == TreeKind.Join && (m.Flags & TreeFlags.PushDown) == 0)
                joinsIntoDeadParent++;
        };
        forest.World.Kill(p);
        forest.World.RunUntil(forest.World.Now + 12_000_000);

        // O noticed P's silence (parent timeout) and re-joined around it through X, naming P: X doubted P at once
        // and routed around it too, instead of sending its own JOIN into P and waiting out the hop ack.
        Assert.True(forest.Node(o).Rejoins >= 1);
        Assert.Equal(0, joinsIntoDeadParent);
        Assert.Equal(0, forest.Node(x).JoinHopsSilent);
        Assert.True(forest.Node(o).TryGetTree(app.Id, out TreeInfo after) && !after.Parent.IsNone && forest.World.IsAlive(after.Parent.Index));
    }
}
