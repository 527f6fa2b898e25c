using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>The owner's compression hook for broadcasts: compressed once at the root, restored at each subscriber.</summary>
public interface ICompression
{
    string Name { get; }

    Payload Compress(Payload payload);

    Payload Decompress(Payload payload);
}

/// <summary>No compression.</summary>
public sealed class NoCompression : ICompression
{
    public static readonly NoCompression Instance = new();

    public string Name => "none";

    public Payload Compress(Payload payload) => payload;

    public Payload Decompress(Payload payload) => payload;
}

/// <summary>
/// Half precision: every float is rounded to IEEE binary16, so the model costs half the bytes on every link.
/// The values really are rounded (what a subscriber gets is what half precision can hold).
/// </summary>
public sealed class HalfPrecisionCompression : ICompression
{
    public static readonly HalfPrecisionCompression Instance = new();

    public string Name => "fp16";

    public Payload Compress(Payload payload)
    {
        if (payload.Vector is not { } vector)
            return payload.WithBytes((payload.ContentBytes + 1) / 2);
        var rounded = new float[vector.Length];
        for (int i = 0; i < vector.Length; i++)
            rounded[i] = (float)(Half)vector[i];
        return Payload.FromVector(rounded, payload.Weight).WithAttachment(payload.Attachment).WithBytes(vector.Length * 2);
    }

    public Payload Decompress(Payload payload)
        => payload.Vector is { } vector
            ? Payload.FromVector(vector, payload.Weight).WithAttachment(payload.Attachment)
            : payload.WithBytes(payload.ContentBytes * 2);
}
