using System.Buffers.Binary;
using System.Text;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// What an app says about itself on the advertise–discover tree: its id, fanout, name, requirements and, optionally,
/// its descriptor (<see cref="AppDescriptor.Encode"/>), from which a node that wants to serve it learns everything.
/// </summary>
public sealed record Advertisement(NodeId App, int Fanout, string Name, string Requirements)
{
    /// <summary>The app's descriptor, or empty.</summary>
    public byte[] Descriptor { get; init; } = [];

    private const int MaxText = 1024;

    public byte[] Encode()
    {
        byte[] name = Encoding.UTF8.GetBytes(Name);
        byte[] requirements = Encoding.UTF8.GetBytes(Requirements);
        if (name.Length > MaxText || requirements.Length > MaxText)
            throw new ArgumentException($"Advertisement name and requirements are at most {MaxText} bytes each.");
        if (Descriptor.Length > AppDescriptor.MaxEncodedBytes)
            throw new ArgumentException($"An advertised descriptor is at most {AppDescriptor.MaxEncodedBytes} bytes.");
        var bytes = new byte[16 + 1 + 2 + name.Length + 2 + requirements.Length + (Descriptor.Length > 0 ? 2 + Descriptor.Length : 0)];
        App.WriteBytes(bytes);
        bytes[16] = (byte)Fanout;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(17), (ushort)name.Length);
        name.CopyTo(bytes, 19);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(19 + name.Length), (ushort)requirements.Length);
        requirements.CopyTo(bytes, 21 + name.Length);
        if (Descriptor.Length > 0)
        {
            int at = 21 + name.Length + requirements.Length;
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), (ushort)Descriptor.Length);
            Descriptor.CopyTo(bytes, at + 2);
        }

        return bytes;
    }

    /// <summary>Total decoder: any bytes give an advertisement or a reason.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out Advertisement? advertisement, out string? error)
    {
        advertisement = null;
        if (bytes.Length < 21)
            return Fail("advertisement shorter than 21 bytes", out error);
        NodeId app = NodeId.FromBytes(bytes[..16]);
        int fanout = bytes[16];
        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[17..]);
        if (nameLength > MaxText || bytes.Length < 21 + nameLength)
            return Fail($"advertisement name length {nameLength} does not fit", out error);
        int requirementsLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[(19 + nameLength)..]);
        if (requirementsLength > MaxText || bytes.Length < 21 + nameLength + requirementsLength)
            return Fail($"advertisement requirements length {requirementsLength} does not fit the {bytes.Length} bytes", out error);
        int end = 21 + nameLength + requirementsLength;
        byte[] descriptor = [];
        if (bytes.Length > end)
        {
            int descriptorLength = bytes.Length - end < 2 ? -1 : BinaryPrimitives.ReadUInt16BigEndian(bytes[end..]);
            if (descriptorLength < 0 || bytes.Length != end + 2 + descriptorLength)
                return Fail($"advertisement has {bytes.Length - end} bytes after its requirements that are not a descriptor", out error);
            descriptor = bytes.Slice(end + 2, descriptorLength).ToArray();
        }
        try
        {
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            string name = strict.GetString(bytes.Slice(19, nameLength));
            string requirements = strict.GetString(bytes.Slice(21 + nameLength, requirementsLength));
            advertisement = new Advertisement(app, fanout, name, requirements) { Descriptor = descriptor };
            error = null;
            return true;
        }
        catch (DecoderFallbackException)
        {
            return Fail("advertisement text is not valid UTF-8", out error);
        }
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}
