using System.Net;
using BenchmarkDotNet.Attributes;
using NSec.Cryptography;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Net.Security;
using Totoro.Net.Transport;

namespace Totoro.Benchmarks;

/// <summary>
/// What authentication costs one message between hosts, sender and receiver together on one core: the plain frame
/// (encode, read, decode) against the sealed one (encode, seal with ChaCha20-Poly1305, replay check, open, decode).
/// Messages: a leaf-set ping with 24 peers (overlay upkeep), a lookup (routing) and a 64 KB aggregate (a model's share).
/// Run in process (`-- --filter '*Envelope*' --inProcess`): a busy machine times out BenchmarkDotNet's own builds.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks
{
    private readonly EndpointDirectory _directory = new();
    private Message _message;
    private Session _sender = null!;
    private Session _receiver = null!;

    [Params("ping-24-peers", "lookup", "aggregate-64KB")]
    public string Kind { get; set; } = "lookup";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        PeerHandle[] peers = [.. Enumerable.Range(0, 24).Select(i => _directory.Add(NodeId.FromRandom((ulong)random.NextInt64(), (ulong)i), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 7000 + i)))];
        _message = Kind switch
        {
            "ping-24-peers" => new Message { Kind = MessageKind.LeafSetPing, Peers = peers },
            "lookup" => new Message { Kind = MessageKind.Lookup, Key = NodeId.FromRandom(1, 2), Origin = peers[0], Stamp = 99 },
            _ => new Message { Kind = TreeKind.Aggregate, Key = NodeId.FromRandom(3, 4), Round = 7, Payload = Payload.FromVector([.. Enumerable.Range(0, 1 << 14).Select(i => (float)i)], 1) },
        };
        using Key a = Handshake.CreateEphemeral();
        using Key b = Handshake.CreateEphemeral();
        byte[] hello = new byte[300], reply = new byte[300];
        var forA = Handshake.DeriveKeys(a, b.PublicKey.Export(KeyBlobFormat.RawPublicKey), hello, reply)!.Value;
        var forB = Handshake.DeriveKeys(b, a.PublicKey.Export(KeyBlobFormat.RawPublicKey), hello, reply)!.Value;
        var certificate = new Certificate(CertificateRole.Node, 1, 0, long.MaxValue, 1, new byte[32], "bench", new byte[64]);
        var endpoint = new IPEndPoint(IPAddress.Loopback, 1);
        _sender = new Session(1, 2, endpoint, certificate, [], forA.InitiatorToResponder, forA.ResponderToInitiator, 0, long.MaxValue);
        _receiver = new Session(2, 1, endpoint, certificate, [], forB.ResponderToInitiator, forB.InitiatorToResponder, 0, long.MaxValue);
    }

    [Benchmark(Baseline = true)]
    public int Plain()
    {
        byte[] frame = Frame.Node(NodeId.FromRandom(5, 6), NodeId.FromRandom(7, 8), _message, _directory);
        return Receive(frame);
    }

    [Benchmark]
    public int Sealed()
    {
        byte[] frame = Frame.Node(NodeId.FromRandom(5, 6), NodeId.FromRandom(7, 8), _message, _directory);
        byte[] wire = _sender.Seal(frame, reliable: false);
        byte[] inner = _receiver.Open(wire, out SealRefusal refusal) ?? throw new InvalidOperationException(refusal.ToString());
        return Receive(inner) + wire.Length - frame.Length;
    }

    private int Receive(byte[] frame)
    {
        if (!Frame.TryRead(frame, out _, out string? error) || !MessageCodec.TryDecode(frame.AsSpan(Frame.NodeHeader), _directory, out Message decoded, out error))
            throw new InvalidOperationException(error);
        return decoded.PeerCount + frame.Length;
    }
}
