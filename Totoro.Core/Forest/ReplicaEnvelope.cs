using System.Buffers.Binary;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// What a replica carries: the root's checkpoint (whatever the app handed to Broadcast) and the app's descriptor, so
/// that a leaf-set neighbour that never served the app can still take it over. The descriptor and the checkpoint's
/// own attachment ride in the payload's attachment: flags u8 (1: a checkpoint is present) | descriptor length u16 |
/// descriptor | the checkpoint's attachment.
/// </summary>
internal static class ReplicaEnvelope
{
    public static Payload Seal(Payload? checkpoint, byte[] descriptor)
    {
        byte[] inner = checkpoint?.Attachment ?? [];
        var attachment = new byte[3 + descriptor.Length + inner.Length];
        attachment[0] = checkpoint is null ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteUInt16BigEndian(attachment.AsSpan(1), (ushort)descriptor.Length);
        descriptor.CopyTo(attachment, 3);
        inner.CopyTo(attachment, 3 + descriptor.Length);
        return (checkpoint ?? Payload.SizeOnly(0, 0)).WithAttachment(attachment);
    }

    /// <summary>Total: any payload gives the checkpoint and the descriptor's bytes, or a reason.</summary>
    public static bool TryOpen(Payload? sealedPayload, out Payload? checkpoint, out Payload? descriptor, out string? error)
    {
        checkpoint = null;
        descriptor = null;
        error = null;
        if (sealedPayload?.Attachment is not { Length: >= 3 } attachment || attachment[0] > 1)
        {
            error = "a replica without its envelope";
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(attachment.AsSpan(1));
        if (attachment.Length - 3 < length)
        {
            error = $"a replica's descriptor of {length} bytes does not fit in its {attachment.Length}-byte envelope";
            return false;
        }

        descriptor = Payload.FromData(attachment.AsSpan(3, length).ToArray());
        if (attachment[0] == 1)
        {
            byte[] inner = attachment[(3 + length)..];
            checkpoint = sealedPayload.WithAttachment(inner.Length == 0 ? null : inner);
        }

        return true;
    }
}
