using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// SHA-256 over what a broadcast carries: the app, the round, the root, and the payload (its vector or data, weight,
/// declared size and attachment), so that a seal over the digest covers every byte a worker acts on.
/// </summary>
public static class BroadcastDigest
{
    public const int Bytes = 32;

    private static readonly byte[] Domain = "totoro/broadcast/1"u8.ToArray();

    public static byte[] Compute(NodeId app, int round, NodeId root, Payload wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[16 + 4 + 16 + 1 + 8 + 4 + 4];
        app.WriteBytes(header);
        BinaryPrimitives.WriteInt32BigEndian(header[16..], round);
        root.WriteBytes(header[20..]);
        header[36] = (byte)(wire.Vector is not null ? 1 : wire.Data is not null ? 2 : 0);
        BinaryPrimitives.WriteInt64BigEndian(header[37..], BitConverter.DoubleToInt64Bits(wire.Weight));
        BinaryPrimitives.WriteInt32BigEndian(header[45..], wire.Bytes);
        BinaryPrimitives.WriteInt32BigEndian(header[49..], wire.Attachment?.Length ?? -1);
        hash.AppendData(Domain);
        hash.AppendData(header);
        if (wire.Vector is { } vector)
            hash.AppendData(MemoryMarshal.AsBytes(vector.AsSpan()));
        else if (wire.Data is { } data)
            hash.AppendData(data);
        if (wire.Attachment is { } attachment)
            hash.AppendData(attachment);
        return hash.GetHashAndReset();
    }
}
