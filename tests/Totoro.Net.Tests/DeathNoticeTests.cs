using System.Net;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Hosting;
using Totoro.Net.Security;

namespace Totoro.Net.Tests;

/// <summary>Membership lies on certified hosts: a death notice about a live node from a node that is not its neighbour.</summary>
public class DeathNoticeTests
{
    [Fact]
    public void Death_notices_about_a_live_neighbour_from_a_certified_non_neighbour_change_nothing()
    {
        using var ca = new TestAuthority();
        using var cluster = new HostCluster();
        NodeHost target = cluster.Add(2, o => o with { Credentials = ca.Issue("h0", 2) });
        cluster.Add(2, o => o with { Credentials = ca.Issue("h1", 2) });
        cluster.Add(2, o => o with { Credentials = ca.Issue("h2", 2) });
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = cluster.Ids(client);
        Assert.True(LoopHelper.Eventually(() => LoopHelper.OnLoop(target, () => target.Node(0).Overlay.RightLeaves().Length) >= 2), "the leaf set never filled");
        (NodeId subjectId, IPEndPoint subjectEndpoint, PeerHandle subject) = LoopHelper.OnLoop(target, () =>
        {
            PeerHandle s = target.Node(0).Overlay.RightLeaves()[0];
            return (target.Directory.IdOf(s), target.Directory.EndpointOf(s), s);
        });

        // Mallory holds a certificate of this deployment but is nobody's neighbour: 32 notices that the live subject died.
        Credentials mallory = ca.Issue("mallory", 1);
        using var intruder = new Intruder(mallory);
        NodeId self = NodeIdentity.Derive(mallory.Certificate.PublicKey, 0);
        PeerHandle named = intruder.Directory.Add(subjectId, subjectEndpoint);
        for (int i = 0; i < 32; i++)
            intruder.Send(target.Endpoint, ids[0], self, new Message { Kind = MessageKind.NodeFailed, Peers = [named] });

        Assert.True(LoopHelper.Eventually(() => LoopHelper.OnLoop(target, () => target.Node(0).Overlay.IgnoredFailureNotices) >= 32), "the notices never arrived");
        Assert.Equal(32, LoopHelper.OnLoop(target, () => target.Node(0).Overlay.IgnoredFailureNotices));
        Assert.True(LoopHelper.OnLoop(target, () => target.Node(0).Overlay.KnowsOf(subject) && !target.Node(0).Overlay.Doubts(subject)));
        Assert.Equal(2 * target.NodeCount, CertifiedOverlayTests.LookupsCorrect(target, client, ids, new Random(32), 2));
    }
}
