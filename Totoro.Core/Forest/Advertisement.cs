using System.Buffers.Binary;
using System.Text;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>What an app says about itself on the advertise–discover tree: its id, fanout, name and requirements.</summary>
public sealed record Advertisement(NodeId App, int Fanout, string Name, string Requirements)
{
    private const int MaxText = 1024;

    public byte[] Encode()
    {
        byte[] name = Encoding.UTF8.GetBytes(Name);
        byte[] requirements = Encoding.UTF8.GetBytes(Requirements);
        if (name.Length > MaxText || requirements.Length > MaxText)
            throw new ArgumentException($"Advertisement name and requirements are at most {MaxText} bytes each.");
        var bytes = new byte[16 + 1 + 2 + name.Length + 2 + requirements.Length];
        App.WriteBytes(bytes);
        bytes[16] = (byte)Fanout;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(17), (ushort)name.Length);
        name.CopyTo(bytes, 19);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(19 + name.Length), (ushort)requirements.Length);
        requirements.CopyTo(bytes, 21 + name.Length);
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
        if (requirementsLength > MaxText || bytes.Length != 21 + nameLength + requirementsLength)
            return Fail($"advertisement requirements length {requirementsLength} does not match the {bytes.Length} bytes", out error);
        try
        {
            var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
            string name = strict.GetString(bytes.Slice(19, nameLength));
            string requirements = strict.GetString(bytes.Slice(21 + nameLength, requirementsLength));
            advertisement = new Advertisement(app, fanout, name, requirements);
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
