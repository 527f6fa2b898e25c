using System.Net;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Hosting;
using Totoro.Net.Security;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

/// <summary>What a certified member (or someone who captured its datagrams) cannot do: replay, claim others' ids, lie about deaths.</summary>
public class AuthenticatedFrameTests(ITestOutputHelper output)
{
    [Fact]
    public void A_captured_datagram_sent_again_is_rejected_and_counted()
    {
        using var ca = new TestAuthority();
        using var cluster = new HostCluster();
        NodeHost target = cluster.Add(1, o => o with { Credentials = ca.Issue("h0", 1) });
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(10));
        Credentials member = ca.Issue("member", 1);
        using var intruder = new Intruder(member);
        NodeId own = NodeIdentity.Derive(member.Certificate.PublicKey, 0);
        NodeId victim = target.Node(0).Overlay.Id;

        // A message the host takes (an announce: "I exist"), sealed in a session: counted as a message in.
        intruder.Send(target.Endpoint, victim, own, new Message { Kind = MessageKind.Announce });
        Assert.True(intruder.WaitForSession(TimeSpan.FromSeconds(5)), "no session");
        WaitFor(() => target.MessagesIn >= 1);
        long before = target.MessagesIn;
        byte[] captured = intruder.SentSealed[^1];
        for (int i = 0; i < 100; i++)
            intruder.SendRaw(target.Endpoint, captured, reliable: false);
        WaitFor(() => target.Counters.Replayed >= 100);
        output.WriteLine($"replayed {target.Counters.Replayed}, messages in {target.MessagesIn}");
        Assert.Equal(100, target.Counters.Replayed);
        Assert.Equal(before, target.MessagesIn);

        // The captured datagram with a new sequence number (and a flipped bit in its body): fails authentication.
        for (int bit = 0; bit < 64; bit++)
        {
            byte[] copy = [.. captured];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(copy.AsSpan(7), 1000 + (ulong)bit);
            if (bit % 2 == 1)
            {
                int at = Session.HeaderBytes + (bit * 7 % (copy.Length - Session.HeaderBytes));
                copy[at] ^= (byte)(1 << (bit % 8));
            }

            intruder.SendRaw(target.Endpoint, copy, reliable: false);
        }

        WaitFor(() => target.Counters.Unauthenticated >= 64);
        Assert.Equal(64, target.Counters.Unauthenticated);
        Assert.Equal(before, target.MessagesIn);
    }

    [Fact]
    public void A_certified_member_claiming_an_id_not_derived_from_its_key_is_refused_and_forged_leaves_and_deaths_change_no_lookup()
    {
        using var ca = new TestAuthority();
        using var cluster = new HostCluster();
        for (int h = 0; h < 3; h++)
        {
            Credentials c = ca.Issue($"h{h}", 2);
            cluster.Add(2, o => o with { Credentials = c });
        }

        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        Thread.Sleep(2500); // leaf sets exchanged
        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = cluster.Ids(client);
        NodeHost target = cluster.Hosts[0];
        NodeId victim = ids[2]; // a node of host 1, in host 0's leaf set
        Credentials member = ca.Issue("member", 1);
        using var intruder = new Intruder(member);
        NodeId own = NodeIdentity.Derive(member.Certificate.PublicKey, 0);

        // 32 leaves "from" the victim and a join reply-sized lie, sent by a certified member under the victim's id.
        long messagesBefore = target.MessagesIn;
        for (int i = 0; i < 32; i++)
            intruder.Send(target.Endpoint, ids[i % 2], victim, new Message { Kind = MessageKind.Leave });
        Assert.True(intruder.WaitForSession(TimeSpan.FromSeconds(5)));
        WaitFor(() => target.Counters.IdNotOwned >= 32);
        Assert.Equal(32, target.Counters.IdNotOwned);

        // Death notices about the live victim from a node that is no neighbour (its own, certified id): probed, kept.
        PeerHandle victimHandle = intruder.Directory.Add(victim, cluster.Hosts[1].Endpoint);
        for (int i = 0; i < 32; i++)
            intruder.Send(target.Endpoint, ids[i % 2], own, new Message { Kind = MessageKind.NodeFailed, Peers = [victimHandle] });
        Thread.Sleep(3000); // past a probe timeout

        int correct = CertifiedOverlayTests.LookupsCorrect(target, client, ids, new Random(8), 8);
        // The victim's own keys: lookups for keys next to it must still end at it.
        int victimKeys = 0;
        for (int k = 0; k < 8; k++)
        {
            var key = new NodeId(victim.Value + (UInt128)(k + 1));
            ControlResponse? answer = client.Ask(target.Endpoint, new ControlRequest(0, "lookup") { Key = key.ToString(), From = k % 2 }, TimeSpan.FromSeconds(6));
            if (answer?.Lookup is { } result && HostCluster.Parse(result.Node) == HostCluster.Closest(ids, key))
                victimKeys++;
        }

        output.WriteLine($"id not owned {target.Counters.IdNotOwned}; lookups correct {correct}/16, for the victim's keys {victimKeys}/8; messages in {target.MessagesIn - messagesBefore}");
        Assert.Equal(16, correct);
        Assert.Equal(8, victimKeys);
        Assert.Equal(6, cluster.Ids(client).Count);
    }

    internal static void WaitFor(Func<bool> condition, int seconds = 10)
    {
        DateTime until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition() && DateTime.UtcNow < until)
            Thread.Sleep(20);
        Thread.Sleep(100); // whatever else was in flight lands too
    }
}
