using System.Numerics;
using System.Runtime.InteropServices;

namespace Totoro.Core.Runtime;

/// <summary>
/// What a tree carries: a model or update vector, opaque bytes (an advertisement), or — in timing-only runs —
/// nothing but a size. <see cref="Weight"/> is the number of samples (or contributions) behind a vector, so that
/// merged updates carry weighted sums and the root's average is exact however the tree is shaped.
/// Immutable: one broadcast payload is shared by every child it is sent to.
/// </summary>
public sealed class Payload
{
    /// <summary>
    /// Largest payload (bytes): 1 GiB, a 268 M-parameter float model (VGG-16's 553 MB and ViT-B's 346 MB fit). Models
    /// above one chunk travel in chunks (Forest.ModelChunks), so no message is this large on a tree; a node still holds
    /// the whole model two or three times (received, trained, summed), which is as much as an edge device can spare,
    /// and the bound keeps every size an int with room for an attachment.
    /// </summary>
    public const int MaxBytes = 1 << 30;

    /// <summary>Largest attachment: a participant list, the workers' reports of one round, or a master's checkpoint (its history, and an adaptive rule's two moments: 8 bytes per parameter of a 4 M-parameter model).</summary>
    public const int MaxAttachmentBytes = 32 << 20;

    private Payload(float[]? vector, byte[]? data, double weight, int bytes, byte[]? attachment = null)
    {
        Vector = vector;
        Data = data;
        Weight = weight;
        Bytes = bytes;
        Attachment = attachment;
    }

    public float[]? Vector { get; }

    public byte[]? Data { get; }

    public double Weight { get; }

    /// <summary>Bytes this payload costs on a link (the attachment included).</summary>
    public int Bytes { get; }

    /// <summary>
    /// Small bytes that ride with the content and are not part of it: a round's participant list on the way down,
    /// the workers' reports on the way up. Aggregation rules leave it alone; the learning layer merges it.
    /// </summary>
    public byte[]? Attachment { get; }

    /// <summary>Bytes of the content alone (what the vector, data or declared size costs).</summary>
    public int ContentBytes => Bytes - (Attachment?.Length ?? 0);

    /// <summary>
    /// The weight and every element of the vector are finite numbers: an update with a NaN or an infinity would
    /// poison every sum it joins, so the tree refuses it.
    /// </summary>
    public bool IsFinite
    {
        get
        {
            if (!double.IsFinite(Weight))
                return false;
            if (Vector is not { } vector)
                return true;
            int i = 0;
            if (System.Numerics.Vector.IsHardwareAccelerated)
            {
                ReadOnlySpan<Vector<float>> blocks = MemoryMarshal.Cast<float, Vector<float>>(vector);
                foreach (Vector<float> v in blocks)
                {
                    if (!System.Numerics.Vector.EqualsAll(v - v, Vector<float>.Zero)) // x − x is NaN exactly for NaN and ±∞
                        return false;
                }

                i = blocks.Length * Vector<float>.Count;
            }

            for (; i < vector.Length; i++)
            {
                if (!float.IsFinite(vector[i]))
                    return false;
            }

            return true;
        }
    }

    /// <summary>True when only the size is carried (simulated timing-only mode).</summary>
    public bool IsSizeOnly => Vector is null && Data is null;

    public static Payload FromVector(float[] vector, double weight = 1)
    {
        ArgumentNullException.ThrowIfNull(vector);
        if ((long)vector.Length * 4 > MaxBytes)
            throw new ArgumentException($"A vector of {vector.Length} floats exceeds the {MaxBytes}-byte payload limit.", nameof(vector));
        return new Payload(vector, null, weight, vector.Length * 4);
    }

    public static Payload FromData(byte[] data, double weight = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length > MaxBytes)
            throw new ArgumentException($"{data.Length} bytes exceed the {MaxBytes}-byte payload limit.", nameof(data));
        return new Payload(null, data, weight, data.Length);
    }

    /// <summary>A payload that only has a size: the simulator charges the bytes without carrying them.</summary>
    public static Payload SizeOnly(int bytes, double weight = 1)
    {
        if (bytes is < 0 or > MaxBytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"A payload is 0 to {MaxBytes} bytes.");
        return new Payload(null, null, weight, bytes);
    }

    /// <summary>The same content with a different on-the-wire content size (a compression hook's result in timing-only mode).</summary>
    public Payload WithBytes(int bytes) => new(Vector, Data, Weight, bytes + (Attachment?.Length ?? 0), Attachment);

    /// <summary>The same content with <paramref name="attachment"/> instead of the current one (null: none).</summary>
    public Payload WithAttachment(byte[]? attachment)
    {
        if (attachment is { Length: > MaxAttachmentBytes })
            throw new ArgumentException($"An attachment of {attachment.Length} bytes exceeds the {MaxAttachmentBytes}-byte limit.", nameof(attachment));
        return new(Vector, Data, Weight, ContentBytes + (attachment?.Length ?? 0), attachment);
    }
}
