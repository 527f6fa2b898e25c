using System.Diagnostics;
using System.Net;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Hosting;
using Totoro.Net.Security;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

/// <summary>The roots' seals with real Ed25519 keys and certificates: alone, and on certified hosts on loopback.</summary>
public class SealedBroadcastTests(ITestOutputHelper output)
{
    private static readonly NodeId App = NodeId.FromRandom(0xa11ce, 0xb0b);

    [Fact]
    public void A_seal_opens_only_for_its_app_round_payload_and_a_root_whose_id_the_authority_certified()
    {
        using var ca = new TestAuthority();
        using var other = new TestAuthority();
        Credentials host = ca.Issue("host-042", 2), worker = ca.Issue("worker", 1), stranger = other.Issue("host-042", 2);
        NodeId root = NodeIdentity.Derive(host.Certificate.PublicKey, 1);
        var sealer = new RootSeal(host, 0, id => id == root ? 1 : 0, _ => { });
        var opener = new RootSeal(worker, 0, _ => 0, _ => { });
        Payload wire = Payload.FromVector([1f, 2f, 3f]).WithAttachment([7]);
        byte[] seal = sealer.Seal(App, 5, root, wire);

        Assert.Equal(sealer.Bytes, seal.Length);
        Assert.True(opener.TryOpen(seal, App, 5, wire, out NodeId named, out string? error), error);
        Assert.Equal(root, named);
        Assert.False(opener.TryOpen(seal, App, 6, wire, out _, out _)); // another round
        Assert.False(opener.TryOpen(seal, NodeId.FromRandom(1, 2), 5, wire, out _, out _)); // another app
        Assert.False(opener.TryOpen(seal, App, 5, Payload.FromVector([1f, 2f, 4f]).WithAttachment([7]), out _, out _)); // another model
        Assert.False(opener.TryOpen(seal, App, 5, Payload.FromVector([1f, 2f, 3f]), out _, out _)); // the participant list dropped

        // A certified host claiming another node's id (not derived from its key) is refused; so is another authority's host.
        NodeId notItsOwn = NodeIdentity.Derive(worker.Certificate.PublicKey, 0);
        Assert.False(opener.TryOpen(sealer.Seal(App, 5, notItsOwn, wire), App, 5, wire, out _, out error));
        Assert.Contains("not derived from the certified key", error, StringComparison.Ordinal);
        NodeId strangerRoot = NodeIdentity.Derive(stranger.Certificate.PublicKey, 0);
        Assert.False(opener.TryOpen(new RootSeal(stranger, 0, _ => 0, _ => { }).Seal(App, 5, strangerRoot, wire), App, 5, wire, out _, out error));
        Assert.Contains("not signed by this deployment's authority", error, StringComparison.Ordinal);
        // One bit of the signature changed, and it no longer verifies.
        byte[] flipped = [.. seal];
        flipped[^1] ^= 1;
        Assert.False(opener.TryOpen(flipped, App, 5, wire, out _, out _));
        Assert.Equal(RootSeal.TypicalBytes, sealer.Bytes); // "host-042": what `sim --secure` charges

        // What a round costs a worker: one Ed25519 verification (the certificate is checked once per root) and a SHA-256 of the model.
        foreach (int floats in new[] { 16, 262_144 })
        {
            Payload model = Payload.FromVector(new float[floats]);
            byte[] s = sealer.Seal(App, 1, root, model);
            const int N = 200;
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < N; i++)
                Assert.True(opener.TryOpen(s, App, 1, model, out _, out _));
            output.WriteLine($"seal {s.Length} bytes (+3 framing); open of a {floats * 4:N0}-byte model: {clock.Elapsed.TotalMicroseconds / N:F0} µs each; certificates checked {opener.CertificatesChecked}");
        }

        Assert.Equal(3, opener.CertificatesChecked); // once for the root, and once each for the two refused certificates
    }

    [Fact]
    public void On_certified_hosts_the_roots_rounds_are_taken_and_a_certified_non_root_cannot_feed_a_worker_a_round()
    {
        using var ca = new TestAuthority();
        using var cluster = new HostCluster();
        var log = new StringWriter();
        Credentials[] credentials = [ca.Issue("h0", 2), ca.Issue("h1", 2), ca.Issue("h2", 2)];
        cluster.Add(2, o => o with { Credentials = credentials[0] });
        NodeHost workerHost = cluster.Add(2, o => o with { Credentials = credentials[1] }, log);
        cluster.Add(2, o => o with { Credentials = credentials[2] });
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = cluster.Ids(client);
        NodeId[] memberCandidates = [ids[0], ids[1], ids[4], ids[5]]; // the nodes of h0 and h2: a compromised member is one of them

        // Mallory's key, an app id whose root is not on the worker's host, and a member: at least four overlay nodes are
        // closer to the app than the member and than mallory, more than the 3 replicas' tolerance. Which member suits
        // depends on where the hosts' keys put their nodes on the ring, so all four are tried rather than one fixed node
        // (a fixed one left no app in about one layout of 150).
        Credentials mallory = null!;
        NodeId malloryId = default, app = default, member = default;
        for (int attempt = 0; app == default; attempt++)
        {
            Assert.True(attempt < 200, "no key for mallory had an app id that suits the test, with any node of h0 or h2 as the member");
            mallory = ca.Issue("mallory", 1);
            NodeId candidate = NodeIdentity.Derive(mallory.Certificate.PublicKey, 0);
            malloryId = candidate;
            foreach (NodeId a in Enumerable.Range(0, 20_000).Select(i => NodeId.Hash(BitConverter.GetBytes(i))))
            {
                NodeId root = HostCluster.Closest(ids, a);
                if (root == ids[2] || root == ids[3] || ids.Count(id => a.IsCloser(id, candidate)) < 4)
                    continue;
                int suits = Array.FindIndex(memberCandidates, m => ids.Count(id => a.IsCloser(id, m)) >= 4);
                if (suits >= 0)
                {
                    (app, member) = (a, memberCandidates[suits]);
                    break;
                }
            }
        }

        NodeId worker = ids[2];
        NodeHost rootHost = cluster.Hosts[ids.IndexOf(HostCluster.Closest(ids, app)) / 2];
        var descriptor = AppDescriptor.Default(app, "sealed", 8);
        LoopHelper.OnLoop(workerHost, () => workerHost.Node(0).Subscribe(descriptor));
        Assert.True(LoopHelper.Eventually(() => LoopHelper.OnLoop(workerHost, () => workerHost.Node(0).TryGetTree(app, out TreeInfo t) && !t.Parent.IsNone)), "the worker never joined the tree");

        // The real root's round, sealed with its key, crosses hosts and is taken: once the real root has the tree (a
        // node that took itself for the root a moment would keep the worker from this one round).
        int rootIndex = ids.IndexOf(HostCluster.Closest(ids, app)) % 2;
        Assert.True(LoopHelper.Eventually(() => LoopHelper.OnLoop(rootHost, () => rootHost.Node(rootIndex).TryGetTree(app, out TreeInfo t) && t.IsRoot && t.Children.Length > 0)), "the real root never got the worker's join");
        LoopHelper.OnLoop(rootHost, () => rootHost.Node(rootIndex).Broadcast(app, Payload.FromVector([1f, 2f, 3f])));
        Assert.True(LoopHelper.Eventually(() => Round(workerHost) == 1), "the root's round never reached the worker");

        // Mallory (certified, outside the overlay) poses as the worker's parent and seals a round as itself; then as the
        // root (but with its own certificate). A compromised member (its host's key) seals one as itself.
        using var intruder = new Intruder(mallory);
        Payload poison = Payload.FromVector([666f, 666f, 666f]);
        intruder.Send(workerHost.Endpoint, worker, malloryId, TreeMessages.JoinAck(app, 1, 8, null));
        var malloryRoot = new RootSeal(mallory, 0, _ => 0, _ => { });
        intruder.Send(workerHost.Endpoint, worker, malloryId, TreeMessages.Broadcast(app, 2, SealedPayload.Wrap(poison, malloryRoot.Seal(app, 2, malloryId, poison)), 1, 0));
        NodeId realRoot = HostCluster.Closest(ids, app);
        intruder.Send(workerHost.Endpoint, worker, malloryId, TreeMessages.Broadcast(app, 2, SealedPayload.Wrap(poison, malloryRoot.Seal(app, 2, realRoot, poison)), 1, 0));
        intruder.Send(workerHost.Endpoint, worker, malloryId, TreeMessages.Broadcast(app, 2, poison, 1, 0));
        Assert.True(LoopHelper.Eventually(() => LoopHelper.OnLoop(workerHost, () => workerHost.Node(0).RefusedBroadcasts) >= 3), $"refused {LoopHelper.OnLoop(workerHost, () => workerHost.Node(0).RefusedBroadcasts)} of mallory's 3 rounds");
        int memberAt = ids.IndexOf(member);
        using var compromised = new Intruder(credentials[memberAt / 2]);
        var memberSeal = new RootSeal(credentials[memberAt / 2], 0, id => id == member ? memberAt % 2 : 0, _ => { });
        compromised.Send(workerHost.Endpoint, worker, member, TreeMessages.JoinAck(app, 1, 8, null));
        compromised.Send(workerHost.Endpoint, worker, member, TreeMessages.Broadcast(app, 2, SealedPayload.Wrap(poison, memberSeal.Seal(app, 2, member, poison)), 1, 0));

        Assert.True(LoopHelper.Eventually(() => LoopHelper.OnLoop(workerHost, () => workerHost.Node(0).RefusedBroadcasts) >= 4), $"refused {LoopHelper.OnLoop(workerHost, () => workerHost.Node(0).RefusedBroadcasts)} of 4 forged rounds");
        Thread.Sleep(300);
        output.WriteLine(log.ToString());
        Assert.Equal(4, LoopHelper.OnLoop(workerHost, () => workerHost.Node(0).RefusedBroadcasts));
        Assert.Equal(1, Round(workerHost)); // none of them was taken
        Assert.Equal(0, cluster.Hosts.Where(h => h != workerHost).Sum(h => LoopHelper.OnLoop(h, () => h.Node(0).RefusedBroadcasts + h.Node(1).RefusedBroadcasts)));
        Assert.Contains("WARN", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("broadcast refused", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void After_the_root_dies_the_replica_holder_that_takes_over_seals_the_next_round_and_the_worker_takes_it()
    {
        using var ca = new TestAuthority();
        using var cluster = new HostCluster();
        for (int h = 0; h < 4; h++)
            cluster.Add(1, o => o with { Credentials = ca.Issue($"h{h}", 1) });
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = cluster.Ids(client);

        // An app whose root and next-closest node are not the worker's (host 3).
        NodeId app = Enumerable.Range(0, 100_000).Select(i => NodeId.Hash(BitConverter.GetBytes(i)))
            .First(a => ids.OrderBy(id => id, Comparer<NodeId>.Create((x, y) => a.IsCloser(x, y) ? -1 : a.IsCloser(y, x) ? 1 : 0)).Take(2).All(id => id != ids[3]));
        NodeHost worker = cluster.Hosts[3];
        NodeHost root = cluster.Hosts[ids.IndexOf(HostCluster.Closest(ids, app))];
        var options = new TreeOptions { Fanout = 8, HeartbeatPeriodMicros = 500_000, ParentTimeoutMicros = 1_500_000, JoinTimeoutMicros = 1_000_000 };
        var descriptor = new AppDescriptor(app, "take-over", options, WeightedSumRule.Instance, NoCompression.Instance, AllChildren.Instance);
        LoopHelper.OnLoop(worker, () => worker.Node(0).Subscribe(descriptor));
        Assert.True(LoopHelper.Eventually(() => LoopHelper.OnLoop(worker, () => worker.Node(0).TryGetTree(app, out TreeInfo t) && !t.Parent.IsNone)), "the worker never joined the tree");
        // The worker may have joined a node that took itself for the root while leaf sets settled; that node steps
        // down into the real tree at its next tick, after a round sent at once has passed it by. So the root sends
        // again until one reaches the worker: what is tested here is the take-over, not a first round's timing.
        Assert.True(LoopHelper.Eventually(() =>
        {
            if (Round(worker) >= 1)
                return true;
            LoopHelper.OnLoop(root, () => root.Node(0).Broadcast(app, Payload.FromVector([1f])));
            Thread.Sleep(400);
            return Round(worker) >= 1;
        }), "no round of the first root reached the worker");

        root.Dispose(); // dies without a word
        NodeHost? successor = null;
        Assert.True(LoopHelper.Eventually(() => (successor = cluster.Hosts.FirstOrDefault(h => h != root && LoopHelper.OnLoop(h, () => h.Node(0).IsRootOf(app)))) is not null), "no node took over the app");
        NodeId deadRoot = HostCluster.Closest(ids, app);
        Assert.True(LoopHelper.Eventually(() => LoopHelper.OnLoop(worker, () => worker.Node(0).TryGetTree(app, out TreeInfo t) && !t.Parent.IsNone && worker.Node(0).IdOf(t.Parent) != deadRoot)),
            "the worker never re-joined under a live parent");
        int round = LoopHelper.OnLoop(successor!, () => successor!.Node(0).Broadcast(app, Payload.FromVector([2f])));
        Assert.True(LoopHelper.Eventually(() => Round(worker) == round), $"the successor's round {round} never reached the worker (it is at {Round(worker)}; refused {LoopHelper.OnLoop(worker, () => worker.Node(0).RefusedBroadcasts)})");
        Assert.Equal(0, LoopHelper.OnLoop(worker, () => worker.Node(0).RefusedBroadcasts));
    }

    /// <summary>The round the worker (the host's first node) has reached in the one app it serves.</summary>
    private static int Round(NodeHost host) => LoopHelper.OnLoop(host, () => RoundOf(host));

    private static int RoundOf(NodeHost host)
    {
        foreach (NodeId app in host.Node(0).Trees)
        {
            if (app != AppId.AdvertiseDiscover && host.Node(0).TryGetTree(app, out TreeInfo tree))
                return tree.Round;
        }

        return -1;
    }
}
