using System.Buffers.Binary;
using System.Text;

namespace Totoro.Net.Security;

/// <summary>
/// A deployment authority's statement that an Ed25519 public key belongs to a host (or an operator) until a date.
/// Wire and file form: version 1 | role 1 | serial 8 | not-before 8 | not-after 8 (unix seconds) | logical nodes 2 |
/// public key 32 | name length 1 | name (UTF-8) | Ed25519 signature 64 by the authority over everything before it.
/// </summary>
public sealed record Certificate(
    CertificateRole Role,
    ulong Serial,
    long NotBefore,
    long NotAfter,
    int LogicalNodes,
    byte[] PublicKey,
    string Name,
    byte[] Signature)
{
    public const byte Version = 1;
    public const int MaxNameBytes = 64;
    public const int FixedBytes = 1 + 1 + 8 + 8 + 8 + 2 + 32 + 1;
    public const int MaxBytes = FixedBytes + MaxNameBytes + Keys.SignatureBytes;
    private const string TextPrefix = "totoro-cert 1 ";

    /// <summary>The bytes the authority signs (a domain tag, then every field before the signature).</summary>
    public static byte[] SignedBytes(CertificateRole role, ulong serial, long notBefore, long notAfter, int logicalNodes, ReadOnlySpan<byte> publicKey, string name)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length > MaxNameBytes)
            throw new ArgumentException($"a certificate's name is at most {MaxNameBytes} bytes (got {nameBytes.Length})");
        if (publicKey.Length != Keys.PublicKeyBytes)
            throw new ArgumentException($"a public key is {Keys.PublicKeyBytes} bytes (got {publicKey.Length})");
        if (logicalNodes is < 1 or > ushort.MaxValue)
            throw new ArgumentException($"logical nodes must be from 1 to {ushort.MaxValue} (got {logicalNodes})");
        var buffer = new byte[FixedBytes + nameBytes.Length];
        buffer[0] = Version;
        buffer[1] = (byte)role;
        BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(2), serial);
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(10), notBefore);
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(18), notAfter);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(26), (ushort)logicalNodes);
        publicKey.CopyTo(buffer.AsSpan(28));
        buffer[60] = (byte)nameBytes.Length;
        nameBytes.CopyTo(buffer.AsSpan(61));
        return buffer;
    }

    public byte[] SignedBytes() => SignedBytes(Role, Serial, NotBefore, NotAfter, LogicalNodes, PublicKey, Name);

    public byte[] Encode() => [.. SignedBytes(), .. Signature];

    /// <summary>Decodes a certificate (its signature unchecked: see <see cref="CertificateCheck"/>); false with a reason.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out Certificate? certificate, out string? error)
    {
        certificate = null;
        if (data.Length < FixedBytes + Keys.SignatureBytes)
            return Fail($"a certificate is at least {FixedBytes + Keys.SignatureBytes} bytes (got {data.Length})", out error);
        if (data[0] != Version)
            return Fail($"certificate version {data[0]} is not {Version}", out error);
        if (data[1] is not ((byte)CertificateRole.Node or (byte)CertificateRole.Operator))
            return Fail($"certificate role {data[1]} is unknown", out error);
        int nameLength = data[60];
        if (nameLength > MaxNameBytes)
            return Fail($"certificate name of {nameLength} bytes exceeds {MaxNameBytes}", out error);
        if (data.Length != FixedBytes + nameLength + Keys.SignatureBytes)
            return Fail($"a certificate with a {nameLength}-byte name is {FixedBytes + nameLength + Keys.SignatureBytes} bytes, not {data.Length}", out error);
        int logical = BinaryPrimitives.ReadUInt16BigEndian(data[26..]);
        if (logical == 0)
            return Fail("a certificate for 0 logical nodes", out error);
        string name;
        try
        {
            name = new UTF8Encoding(false, true).GetString(data.Slice(61, nameLength));
        }
        catch (DecoderFallbackException)
        {
            return Fail("certificate name is not UTF-8", out error);
        }

        certificate = new Certificate(
            (CertificateRole)data[1],
            BinaryPrimitives.ReadUInt64BigEndian(data[2..]),
            BinaryPrimitives.ReadInt64BigEndian(data[10..]),
            BinaryPrimitives.ReadInt64BigEndian(data[18..]),
            logical,
            data.Slice(28, Keys.PublicKeyBytes).ToArray(),
            name,
            data[(FixedBytes + nameLength)..].ToArray());
        error = null;
        return true;
    }

    public string ToText() => TextPrefix + Convert.ToBase64String(Encode());

    public static Certificate Load(string path)
    {
        byte[] bytes = KeyFiles.Read(path, TextPrefix, "certificate");
        if (!TryDecode(bytes, out Certificate? certificate, out string? error))
            throw new InvalidDataException($"{path}: {error}");
        return certificate!;
    }

    public void Save(string path) => KeyFiles.WriteAtomically(path, ToText() + "\n", secret: false);

    public override string ToString()
        => $"{Role.ToString().ToLowerInvariant()} '{Name}' serial {Serial}, {LogicalNodes} logical node(s), valid {DateTimeOffset.FromUnixTimeSeconds(NotBefore):u} to {DateTimeOffset.FromUnixTimeSeconds(NotAfter):u}, key {Convert.ToHexString(PublicKey).ToLowerInvariant()}";

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}
