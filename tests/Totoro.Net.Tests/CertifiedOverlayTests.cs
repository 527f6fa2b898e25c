using System.Net;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Hosting;
using Totoro.Net.Security;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

/// <summary>Certified hosts on loopback: who may join, and that lookups stay right while others try.</summary>
public class CertifiedOverlayTests(ITestOutputHelper output)
{
    [Fact]
    public void Certified_hosts_join_with_ids_derived_from_their_keys_and_route_lookups_to_the_closest_node()
    {
        using var ca = new TestAuthority();
        using var cluster = new HostCluster();
        var credentials = new List<Credentials>();
        for (int h = 0; h < 3; h++)
        {
            Credentials c = ca.Issue($"h{h}", logicalNodes: 2);
            credentials.Add(c);
            cluster.Add(2, o => o with { Credentials = c });
        }

        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = cluster.Ids(client);
        // The oracle: each host's ids are the hash of its certificate's key, nothing it chose.
        List<NodeId> derived = [.. credentials.SelectMany(c => Enumerable.Range(0, 2).Select(i => NodeIdentity.Derive(c.Certificate.PublicKey, i)))];
        Assert.Equal(derived, ids);
        Assert.Equal(2 * 10, LookupsCorrect(cluster.Hosts[2], client, ids, new Random(3), 10));
        Assert.All(cluster.Hosts, h => Assert.True(h.SecureSessions > 0));
        Assert.All(cluster.Hosts, h => Assert.Equal(0, h.Counters.AuthenticationFailures));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("other-authority")]
    [InlineData("expired")]
    [InlineData("revoked")]
    [InlineData("operator")]
    public void A_host_without_a_valid_certificate_cannot_join_and_its_datagrams_are_counted_and_dropped(string kind)
    {
        using var ca = new TestAuthority();
        using var other = new TestAuthority();
        using var cluster = new HostCluster();
        Credentials intruder = kind switch
        {
            "other-authority" => other.Issue("intruder"),
            "expired" => ca.Issue("intruder", validFor: TimeSpan.FromHours(1), now: DateTimeOffset.UtcNow.AddDays(-1)),
            "operator" => ca.Issue("intruder", role: CertificateRole.Operator),
            _ => ca.Issue("intruder"),
        };
        RevocationList? revoked = kind == "revoked" ? ca.Authority.Revoke([intruder.Certificate.Serial]) : null;
        for (int h = 0; h < 2; h++)
        {
            Credentials c = ca.Issue($"h{h}", logicalNodes: 2);
            c.Revoked = revoked;
            cluster.Add(2, o => o with { Credentials = c });
        }

        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = cluster.Ids(client);

        // The intruder joins through host 0 with its own (missing or invalid) credentials.
        var options = new HostOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Bootstrap = cluster.Hosts[0].Endpoint,
            LogicalNodes = 2,
            Pastry = HostCluster.FastPastry,
            Credentials = kind == "none" ? null : intruder,
        };
        using var bad = new NodeHost(options, new HostLog(LogLevel.Error));
        bad.Start();
        Assert.False(bad.WaitForFirstJoin(TimeSpan.FromSeconds(5)), "an uncertified host joined");

        NodeHost target = cluster.Hosts[0];
        long refused = target.Counters.AuthenticationFailures;
        output.WriteLine($"{kind}: refused {refused} (unauthenticated {target.Counters.Unauthenticated}, handshakes refused {target.Counters.HandshakesRefused}); sessions {target.SecureSessions}");
        Assert.True(refused > 0, "the intruder's datagrams were not counted");
        Assert.Equal(kind == "none" ? 0 : refused, target.Counters.HandshakesRefused);
        Assert.Equal(2 * 5, LookupsCorrect(target, client, ids, new Random(5), 5));
        Assert.Equal(4, cluster.Ids(client).Count);
    }

    /// <summary><paramref name="perNode"/> lookups from each logical node of <paramref name="host"/>: how many reached the brute-force closest node.</summary>
    internal static int LookupsCorrect(NodeHost host, ControlClient client, List<NodeId> ids, Random random, int perNode)
    {
        int correct = 0;
        for (int from = 0; from < host.NodeCount; from++)
        {
            for (int k = 0; k < perNode; k++)
            {
                var key = NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64());
                ControlResponse? answer = client.Ask(host.Endpoint, new ControlRequest(0, "lookup") { Key = key.ToString(), From = from }, TimeSpan.FromSeconds(6));
                if (answer?.Lookup is { } result && HostCluster.Parse(result.Node) == HostCluster.Closest(ids, key))
                    correct++;
            }
        }

        return correct;
    }
}
