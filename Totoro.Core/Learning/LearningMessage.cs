using System.Buffers.Binary;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// The learning layer's own protocol, carried by the overlay as <see cref="TreeKind.AppRouted"/> (towards an app's
/// id, answered by its root) and <see cref="TreeKind.AppDirect"/> (the answers). The payload's attachment holds
/// op u8 | app id 16 | body; its content is the model in a <see cref="LearningOp.Model"/> answer, else empty.
/// </summary>
public readonly record struct LearningMessage(LearningOp Op, NodeId App, byte[] Body, float[]? Model = null)
{
    /// <summary>The layer's tag (<see cref="AppMessageView.Tag"/>).</summary>
    public const byte Tag = 1;

    /// <summary>Largest body: a descriptor, a status or a short reason.</summary>
    public const int MaxBody = 32 << 10;

    public Payload ToPayload()
    {
        var header = new byte[17 + Body.Length];
        header[0] = (byte)Op;
        App.WriteBytes(header.AsSpan(1));
        Body.CopyTo(header, 17);
        return (Model is null ? Payload.SizeOnly(0, 0) : Payload.FromVector(Model)).WithAttachment(header);
    }

    /// <summary>Total: any message gives a learning message or false (not ours, or malformed).</summary>
    public static bool TryRead(AppMessageView message, out LearningMessage read)
    {
        read = default;
        if (message.Tag != Tag || message.Payload?.Attachment is not { Length: >= 17 } header || header.Length - 17 > MaxBody
            || !Enum.IsDefined((LearningOp)header[0]))
            return false;
        read = new LearningMessage((LearningOp)header[0], NodeId.FromBytes(header.AsSpan(1, 16)), header[17..], message.Payload.Vector);
        return true;
    }

    public static byte[] Int(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    public static int ReadInt(byte[] body, int fallback) => body.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(body) : fallback;
}

/// <summary>What a learning message asks or answers.</summary>
public enum LearningOp : byte
{
    /// <summary>To the app's root: here is a new app (body: its descriptor). Answer: <see cref="Submitted"/>.</summary>
    Submit = 1,

    /// <summary>Body: status u8 (0 accepted, 1 refused) | reason (UTF-8).</summary>
    Submitted = 2,

    /// <summary>To the app's root, from a subscriber with the app's data: give me a worker index (body: the index it holds, −1 none). Answer: <see cref="Enrolled"/>.</summary>
    Enrol = 3,

    /// <summary>Body: the worker index i32 (−1: every shard is taken).</summary>
    Enrolled = 4,

    /// <summary>To the app's root: how is training going? Answer: <see cref="Status"/>.</summary>
    StatusQuery = 5,

    /// <summary>Body: an <see cref="AppProgress"/>.</summary>
    Status = 6,

    /// <summary>To the app's root: stop training after the round in flight (body: the creator's signature, see <see cref="AppOwnership.StopBytes"/>). Answer: <see cref="Status"/>, or <see cref="Refused"/>.</summary>
    Stop = 7,

    /// <summary>To the app's root: send the global model. Answer: <see cref="Model"/>.</summary>
    ModelQuery = 9,

    /// <summary>Content: the global model; body: an <see cref="AppProgress"/> (its round and accuracy).</summary>
    Model = 10,

    /// <summary>The root refused a request (a stop not signed by the app's creator). Body: the reason (UTF-8).</summary>
    Refused = 11,

    /// <summary>
    /// From the root that was handed a new app, to the nodes next closest to it: keep the app (body: its descriptor)
    /// and announce it if you become its closest node before any worker heard of it. No answer.
    /// </summary>
    Successor = 12,
}
