using System.Net;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Net.Transport;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

/// <summary>The codec is total (DESIGN §3): a million mutations of valid messages each decode or are refused with a reason; nothing throws.</summary>
public class CodecPropertyTests(ITestOutputHelper output)
{
    [Fact]
    public void A_million_mutated_valid_messages_each_decode_or_are_refused_with_a_reason_and_none_throws()
    {
        var directory = new EndpointDirectory();
        var random = new Random(16);
        PeerHandle[] peers = [.. Enumerable.Range(0, 30).Select(i => directory.Add(NodeId.FromRandom((ulong)random.NextInt64(), (ulong)i), new IPEndPoint(new IPAddress(0x0100007F + (i << 24)), 7000 + i)))];
        byte[][] valid = [.. Enumerable.Range(0, 400).Select(i => MessageCodec.Encode(Sample(random, peers, i), directory))];
        foreach (byte[] bytes in valid)
            Assert.True(MessageCodec.TryDecode(bytes, directory, out _, out string? error), error); // the seeds are valid

        int decoded = 0, refused = 0;
        var reasons = new Dictionary<string, int>();
        for (int i = 0; i < 1_000_000; i++)
        {
            byte[] mutated = Mutate(random, valid[i % valid.Length]);
            bool ok = MessageCodec.TryDecode(mutated, directory, out _, out string? error); // throws: the test fails
            if (ok)
            {
                decoded++;
                continue;
            }

            refused++;
            Assert.False(string.IsNullOrWhiteSpace(error));
            string reason = new([.. error!.TakeWhile(c => !char.IsDigit(c))]);
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        }

        output.WriteLine($"decoded {decoded}, refused {refused}; reasons: {reasons.Count}");
        foreach ((string reason, int count) in reasons.OrderByDescending(p => p.Value).Take(12))
            output.WriteLine($"  {count,8} {reason}");
        Assert.Equal(1_000_000, decoded + refused);
        Assert.True(refused > 100_000 && decoded > 1000, "mutations should both break and spare messages");
    }

    /// <summary>Bit flips, truncations, extensions, a new kind, a corrupted length: the mutations the issue names.</summary>
    internal static byte[] Mutate(Random random, byte[] valid)
    {
        byte[] bytes = [.. valid];
        switch (random.Next(6))
        {
            case 0:
                for (int f = random.Next(1, 5); f > 0; f--)
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                byte[] longer = new byte[bytes.Length + random.Next(1, 64)];
                bytes.CopyTo(longer, 0);
                random.NextBytes(longer.AsSpan(bytes.Length));
                return longer;
            case 3:
                if (bytes.Length > 1)
                    bytes[1] = (byte)random.Next(256);
                return bytes;
            case 4:
                int at = random.Next(bytes.Length);
                bytes.AsSpan(at, Math.Min(4, bytes.Length - at)).Fill(random.Next(2) == 0 ? (byte)0xFF : (byte)0);
                return bytes;
            default:
                random.NextBytes(bytes.AsSpan(random.Next(bytes.Length)));
                return bytes;
        }
    }

    private static Message Sample(Random random, PeerHandle[] peers, int i)
    {
        NodeId key = NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64());
        PeerHandle[] some = [.. peers.OrderBy(_ => random.Next()).Take(random.Next(0, 25))];
        return (i % 8) switch
        {
            0 => new Message { Kind = MessageKind.JoinRequest, Key = key, Origin = peers[i % peers.Length], Row = (byte)random.Next(32), Hops = 2, Stamp = random.NextInt64() },
            1 => new Message { Kind = MessageKind.JoinReply, Flags = MessageFlags.Final, Key = key, Peers = some },
            2 => new Message { Kind = MessageKind.LeafSetPing, Peers = some },
            3 => new Message { Kind = MessageKind.Lookup, Key = key, Origin = peers[0], Hops = 3, Stamp = random.NextInt64() },
            4 => new Message { Kind = TreeKind.Join, Key = key, Origin = peers[1], Row = 16, Hops = 1 },
            5 => new Message { Kind = TreeKind.Broadcast, Key = key, Round = random.Next(), Origin = peers[2], Payload = Payload.FromVector([.. Enumerable.Range(0, random.Next(1, 200)).Select(v => (float)v)], 1) },
            6 => new Message { Kind = TreeKind.Aggregate, Key = key, Round = random.Next(100), Payload = Payload.FromData([.. Enumerable.Range(0, random.Next(0, 300)).Select(v => (byte)v)], random.NextDouble() * 10) },
            _ => new Message { Kind = MessageKind.NodeFailed, Peers = [peers[random.Next(peers.Length)]] },
        };
    }
}
