using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Benchmarks;

/// <summary>
/// Encoding and decoding one broadcast of a 4 MB model (2^20 floats): what every hop of a real-vector tree pays,
/// and what the simulator's codec check pays per send. The 64 KB model stays below the large-object heap, so its
/// decode measures the codec rather than the first touch of a fresh 4 MB array (which dominates on a busy host).
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly PeerDirectory _directory = new();
    private Message _message;
    private byte[] _buffer = null!;
    private byte[] _encoded = null!;

    [Params(1 << 14, 1 << 20)]
    public int Floats { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        var model = new float[Floats];
        for (int i = 0; i < model.Length; i++)
            model[i] = (float)(random.NextDouble() - 0.5);
        _message = new Message
        {
            Kind = TreeKind.Broadcast,
            Key = NodeId.FromRandom(7, 7),
            Round = 12,
            Origin = new PeerHandle(0),
            Payload = Payload.FromVector(model, 1),
        };
        _buffer = new byte[MessageCodec.MaxEncodedSize(_message)];
        _encoded = MessageCodec.Encode(_message, _directory);
    }

    /// <summary>Into a buffer the caller reuses: the codec's own cost.</summary>
    [Benchmark]
    public int EncodeIntoBuffer() => MessageCodec.Encode(_message, _directory, _buffer);

    /// <summary>Into a new array of the exact length.</summary>
    [Benchmark]
    public int EncodeToArray() => MessageCodec.Encode(_message, _directory).Length;

    [Benchmark]
    public int Decode()
    {
        if (!MessageCodec.TryDecode(_encoded, _directory, out Message decoded, out string? error))
            throw new InvalidOperationException(error);
        return decoded.Payload!.Vector!.Length;
    }

    /// <summary>One peer whose address is its index, as in the simulator.</summary>
    private sealed class PeerDirectory : IPeerDirectory
    {
        private static readonly NodeId Id = NodeId.FromRandom(1, 2);

        public NodeId IdOf(PeerHandle peer) => Id;

        public int WriteAddress(PeerHandle peer, Span<byte> destination)
        {
            BinaryPrimitives.WriteInt32BigEndian(destination, peer.Index);
            return 4;
        }

        public bool TryResolve(NodeId id, ReadOnlySpan<byte> address, out PeerHandle peer, out string? reason)
        {
            peer = new PeerHandle(BinaryPrimitives.ReadInt32BigEndian(address));
            reason = null;
            return true;
        }
    }
}
