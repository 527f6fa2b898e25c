using System.Buffers.Binary;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// A broadcast payload with the root's seal riding in front of its attachment: seal length 2 | seal | 1 if the payload
/// had an attachment | that attachment. The content is untouched, so the links are charged the seal's bytes exactly.
/// </summary>
public static class SealedPayload
{
    public const int MaxSealBytes = 1024;

    public static Payload Wrap(Payload inner, ReadOnlySpan<byte> seal)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (seal.Length > MaxSealBytes)
            throw new ArgumentException($"a seal is at most {MaxSealBytes} bytes (got {seal.Length})", nameof(seal));
        byte[]? original = inner.Attachment;
        var attachment = new byte[2 + seal.Length + 1 + (original?.Length ?? 0)];
        BinaryPrimitives.WriteUInt16BigEndian(attachment, (ushort)seal.Length);
        seal.CopyTo(attachment.AsSpan(2));
        attachment[2 + seal.Length] = original is null ? (byte)0 : (byte)1;
        original?.CopyTo(attachment, 3 + seal.Length);
        return inner.WithAttachment(attachment);
    }

    /// <summary>Splits a sealed payload into its seal and the payload the root sealed; false with a reason when it carries no seal.</summary>
    public static bool TryUnwrap(Payload wire, out ReadOnlyMemory<byte> seal, out Payload? inner, out string? error)
    {
        ArgumentNullException.ThrowIfNull(wire);
        seal = default;
        inner = null;
        if (wire.Attachment is not { Length: >= 3 } attachment)
            return Fail("a broadcast without the root's seal", out error);
        int length = BinaryPrimitives.ReadUInt16BigEndian(attachment);
        if (length > MaxSealBytes || attachment.Length < 3 + length || attachment[2 + length] > 1 || (attachment[2 + length] == 0 && attachment.Length != 3 + length))
            return Fail($"a broadcast whose seal is malformed ({attachment.Length} bytes, seal of {length})", out error);
        seal = attachment.AsMemory(2, length);
        inner = wire.WithAttachment(attachment[2 + length] == 0 ? null : attachment[(3 + length)..]);
        error = null;
        return true;
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}
