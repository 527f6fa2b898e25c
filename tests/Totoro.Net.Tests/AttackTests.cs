using System.Diagnostics;
using System.Net;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Hosting;
using Totoro.Net.Security;
using Totoro.Net.Transport;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

/// <summary>Fuzzing and flooding a certified host on loopback: nothing crashes, lookups stay right, every drop is counted, nothing is amplified.</summary>
public class AttackTests(ITestOutputHelper output)
{
    private const int FuzzDatagrams = 1_000_000;

    [Fact]
    public void A_million_mutated_valid_datagrams_crash_nothing_change_no_lookup_and_every_one_is_counted()
    {
        using var ca = new TestAuthority();
        using var cluster = new HostCluster();
        var log = new StringWriter();
        NodeHost target = cluster.Add(2, o => o with { Credentials = ca.Issue("h0", 2), PeerRatePerSecond = 1e9, PeerBurst = 1e9 }, log);
        cluster.Add(2, o => o with { Credentials = ca.Issue("h1", 2) });
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = cluster.Ids(client);

        // Seeds: valid sealed datagrams of a certified member's session, captured and never delivered as they are.
        Credentials member = ca.Issue("member", 1);
        using var intruder = new Intruder(member);
        NodeId own = NodeIdentity.Derive(member.Certificate.PublicKey, 0);
        intruder.Send(target.Endpoint, NodeId.FromRandom(1, 1), own, new Message { Kind = MessageKind.Announce }); // opens the session; the frame itself is not sent (no such node there)
        Assert.True(intruder.WaitForSession(TimeSpan.FromSeconds(5)));
        var random = new Random(1606);
        PeerHandle[] peers = [.. Enumerable.Range(0, 20).Select(i => intruder.Directory.Add(NodeId.FromRandom((ulong)random.NextInt64(), (ulong)i), new IPEndPoint(IPAddress.Loopback, 9000 + i)))];
        intruder.Capture = true;
        for (int i = 0; i < 200; i++)
        {
            Message message = (i % 4) switch
            {
                0 => new Message { Kind = MessageKind.LeafSetPing, Peers = peers[..(i % 20)] },
                1 => new Message { Kind = MessageKind.Lookup, Key = NodeId.FromRandom((ulong)i, 3), Origin = peers[0], Stamp = i },
                2 => new Message { Kind = MessageKind.JoinRequest, Key = NodeId.FromRandom((ulong)i, 5), Origin = peers[1], Row = 2 },
                _ => new Message { Kind = MessageKind.Leave },
            };
            intruder.Send(target.Endpoint, ids[i % 2], own, message);
        }

        byte[][] seeds = [.. intruder.SentSealed];
        Assert.Equal(200, seeds.Length);
        Snapshot before = Snapshot.Of(target);
        var clock = Stopwatch.StartNew();
        int sent = 0, lookups = 0, correct = 0;
        using var raw = new UdpTransport();
        raw.Start(new IPEndPoint(IPAddress.Loopback, 0));
        while (sent < FuzzDatagrams && clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            for (int b = 0; b < 1000; b++, sent++)
            {
                byte[] seed = seeds[sent % seeds.Length];
                byte[] mutated = CodecPropertyTests.Mutate(random, seed);
                if (mutated.AsSpan().SequenceEqual(seed) || mutated.Length == 0)
                    mutated = [.. seed[..^1], (byte)(seed[^1] ^ 1)]; // always a mutation, never the valid datagram
                raw.Send(target.Endpoint, mutated);
            }

            Thread.Sleep(8); // keep the socket buffer from overflowing: the host must see what we send
            if (sent % 250_000 == 0)
            {
                int ok = CertifiedOverlayTests.LookupsCorrect(target, client, ids, random, 2);
                correct += ok;
                lookups += 2 * target.NodeCount;
                output.WriteLine($"{sent:N0} sent after {clock.Elapsed.TotalSeconds:F0} s: lookups {ok}/{2 * target.NodeCount}");
            }
        }

        // Every datagram the host received is accounted for: taken as a message, a handshake, a control request, or counted as dropped.
        Snapshot after = Snapshot.Of(target);
        for (int wait = 0; wait < 100 && !(after - before).Balanced; wait++)
        {
            Thread.Sleep(100);
            after = Snapshot.Of(target);
        }

        Snapshot delta = after - before;
        output.WriteLine($"sent {sent:N0} in {clock.Elapsed.TotalSeconds:F0} s; host received {delta.DatagramsIn:N0}: dropped {delta.Dropped:N0} (unauthenticated {delta.Unauthenticated:N0}, decode {delta.DecodeFailures:N0}, handshakes refused {delta.HandshakesRefused:N0}, control refused {delta.ControlRefused:N0}, rate-limited {delta.RateLimited:N0}), messages {delta.MessagesIn:N0}, handler errors {target.HandlerErrors}");
        Assert.Equal(FuzzDatagrams, sent);
        Assert.True(delta.Balanced, $"{delta.DatagramsIn} datagrams in, {delta.Accounted} accounted for");
        Assert.True(delta.Dropped > FuzzDatagrams * 9L / 10, "most of the fuzz should have reached the host and been dropped");
        Assert.Equal(0, target.HandlerErrors);
        Assert.Equal(lookups, correct);
        Assert.Equal(4, cluster.Ids(client).Count); // the member never became a node of the overlay
        Assert.Contains("WARN", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_flood_of_unauthenticated_traffic_leaves_lookups_right_memory_at_baseline_and_causes_no_traffic_between_hosts()
    {
        using var ca = new TestAuthority();
        using var cluster = new HostCluster();
        var log = new StringWriter();
        NodeHost target = cluster.Add(2, o => o with { Credentials = ca.Issue("h0", 2) }, log);
        cluster.Add(2, o => o with { Credentials = ca.Issue("h1", 2) });
        cluster.Add(2, o => o with { Credentials = ca.Issue("h2", 2) });
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        Thread.Sleep(2000);
        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = cluster.Ids(client);
        var random = new Random(7);

        long baseline = Heap();
        long quietStart = LegitimateMessages(cluster);
        Thread.Sleep(3000);
        long quiet = LegitimateMessages(cluster) - quietStart;

        // 3 seconds of well-formed traffic from a process with no certificate: plain node frames of every overlay kind
        // naming real node ids, hellos with forged certificates, and sealed frames for sessions that do not exist.
        using var flooder = new Intruder(null);
        PeerHandle[] fake = [.. Enumerable.Range(0, 16).Select(i => flooder.Directory.Add(NodeId.FromRandom((ulong)random.NextInt64(), (ulong)i), new IPEndPoint(IPAddress.Loopback, 9100 + i)))];
        using var raw = new UdpTransport();
        raw.Start(new IPEndPoint(IPAddress.Loopback, 0));
        long floodStart = LegitimateMessages(cluster);
        var clock = Stopwatch.StartNew();
        int forged = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            for (int b = 0; b < 500; b++, forged++)
            {
                NodeId victim = ids[random.Next(ids.Count)];
                switch (forged % 6)
                {
                    case 0:
                        flooder.Send(target.Endpoint, ids[forged % 2], victim, new Message { Kind = MessageKind.Leave });
                        break;
                    case 1:
                        flooder.Send(target.Endpoint, ids[forged % 2], victim, new Message { Kind = MessageKind.JoinReply, Flags = MessageFlags.Final, Key = victim, Peers = fake });
                        break;
                    case 2:
                        flooder.Send(target.Endpoint, ids[forged % 2], victim, new Message { Kind = MessageKind.Lookup, Key = NodeId.FromRandom((ulong)forged, 1), Origin = fake[0], Stamp = forged });
                        break;
                    case 3:
                        flooder.Send(target.Endpoint, ids[forged % 2], victim, new Message { Kind = MessageKind.NodeFailed, Peers = [fake[1]] });
                        break;
                    case 4:
                        byte[] hello = new byte[300];
                        random.NextBytes(hello);
                        hello[0] = Frame.Magic;
                        hello[1] = (byte)FrameKind.Hello;
                        hello[2] = Handshake.Version;
                        raw.Send(target.Endpoint, hello);
                        break;
                    default:
                        byte[] sealedFrame = new byte[120];
                        random.NextBytes(sealedFrame);
                        sealedFrame[0] = Frame.Magic;
                        sealedFrame[1] = (byte)FrameKind.Sealed;
                        raw.Send(target.Endpoint, sealedFrame);
                        break;
                }
            }

            Thread.Sleep(5);
        }

        long flood = LegitimateMessages(cluster) - floodStart;
        int correct = CertifiedOverlayTests.LookupsCorrect(target, client, ids, random, 5);
        long after = Heap();
        output.WriteLine($"forged {forged:N0} datagrams in {clock.Elapsed.TotalSeconds:F1} s; refused {target.Counters.AuthenticationFailures:N0} (+{target.Counters.RateLimited:N0} rate-limited); "
            + $"messages between the hosts: {quiet} in 3 quiet seconds, {flood} in 3 flooded; lookups {correct}/10; heap {baseline / 1e6:F1} MB -> {after / 1e6:F1} MB");
        Assert.Equal(10, correct);
        Assert.True(target.Counters.AuthenticationFailures + target.Counters.RateLimited >= forged * 8L / 10, "the forged datagrams should have been counted");
        // No amplification: the forged datagrams caused no messages between the legitimate hosts beyond their own upkeep.
        Assert.True(flood <= (quiet * 2) + 50, $"{flood} messages between hosts during the flood against {quiet} when quiet");
        Assert.True(after - baseline < 32_000_000, $"heap grew from {baseline} to {after} bytes");
        Assert.Contains("WARN", log.ToString(), StringComparison.Ordinal);
    }

    private static long LegitimateMessages(HostCluster cluster) => cluster.Hosts.Sum(h => h.MessagesOut);

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>A host's counters at one moment, and whether every datagram received is accounted for.</summary>
    private readonly record struct Snapshot(long DatagramsIn, long MessagesIn, long Dropped, long HandshakesAccepted, long ControlRequests,
        long Unauthenticated, long DecodeFailures, long HandshakesRefused, long ControlRefused, long RateLimited)
    {
        public long Accounted => MessagesIn + Dropped + HandshakesAccepted + ControlRequests;

        public bool Balanced => DatagramsIn == Accounted;

        public static Snapshot Of(NodeHost host)
        {
            TransportCounters c = host.Counters;
            return new(Interlocked.Read(ref c.DatagramsIn), host.MessagesIn, c.Dropped, Interlocked.Read(ref c.HandshakesAccepted), Interlocked.Read(ref c.ControlRequests),
                Interlocked.Read(ref c.Unauthenticated), Interlocked.Read(ref c.DecodeFailures), Interlocked.Read(ref c.HandshakesRefused), Interlocked.Read(ref c.ControlRefused), Interlocked.Read(ref c.RateLimited));
        }

        public static Snapshot operator -(Snapshot a, Snapshot b) => new(a.DatagramsIn - b.DatagramsIn, a.MessagesIn - b.MessagesIn, a.Dropped - b.Dropped,
            a.HandshakesAccepted - b.HandshakesAccepted, a.ControlRequests - b.ControlRequests, a.Unauthenticated - b.Unauthenticated, a.DecodeFailures - b.DecodeFailures,
            a.HandshakesRefused - b.HandshakesRefused, a.ControlRefused - b.ControlRefused, a.RateLimited - b.RateLimited);
    }
}
