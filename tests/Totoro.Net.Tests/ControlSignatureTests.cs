using System.Net;
using Totoro.Net.Control;
using Totoro.Net.Hosting;
using Totoro.Net.Security;
using Totoro.Net.Transport;

namespace Totoro.Net.Tests;

/// <summary>Control requests from afar must be signed by an operator of the deployment's authority, fresh and new.</summary>
public class ControlSignatureTests
{
    [Fact]
    public void Signed_requests_are_answered_only_for_a_fresh_operator_certificate_of_the_authority_and_others_get_no_answer()
    {
        using var ca = new TestAuthority();
        using var other = new TestAuthority();
        using var cluster = new HostCluster();
        var log = new StringWriter();
        NodeHost host = cluster.Add(1, o => o with { Credentials = ca.Issue("h0", 1) }, log);
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(10));

        Credentials op = ca.Issue("alice", role: CertificateRole.Operator);
        using (var signed = new ControlClient(IPAddress.Loopback, new Signer(op.Key, op.Certificate)))
            Assert.NotNull(signed.Ask(host.Endpoint, new ControlRequest(0, "info"), TimeSpan.FromSeconds(5))?.Info);

        // A node's certificate, another authority's operator, an expired operator: no answer at all, each counted.
        Credentials node = ca.Issue("h9", 1);
        Credentials foreign = other.Issue("mallory", role: CertificateRole.Operator);
        Credentials expired = ca.Issue("old", role: CertificateRole.Operator, validFor: TimeSpan.FromMinutes(1), now: DateTimeOffset.UtcNow.AddDays(-2));
        foreach (Credentials c in new[] { node, foreign, expired })
        {
            using var client = new ControlClient(IPAddress.Loopback, new Signer(c.Key, c.Certificate));
            Assert.Null(client.Ask(host.Endpoint, new ControlRequest(0, "info"), TimeSpan.FromSeconds(1.2)));
        }

        // A captured signed request sent again is refused.
        using var raw = new UdpTransport();
        raw.Start(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] request = SignedRequest.Encode(new Signer(op.Key, op.Certificate), ControlJson.Serialize(new ControlRequest(42, "info")), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        long taken = host.Counters.ControlRequests;
        raw.Send(host.Endpoint, request);
        AuthenticatedFrameTests.WaitFor(() => host.Counters.ControlRequests > taken, 5);
        long refused = host.Counters.ControlRefused;
        raw.Send(host.Endpoint, request);
        AuthenticatedFrameTests.WaitFor(() => host.Counters.ControlRefused > refused, 5);
        Assert.Equal(taken + 1, host.Counters.ControlRequests);
        Assert.Equal(refused + 1, host.Counters.ControlRefused);
        Assert.True(refused >= 3, $"refused {refused}");
        Assert.Contains("refused", log.ToString(), StringComparison.Ordinal);
    }
}
