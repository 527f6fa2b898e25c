using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;
using Totoro.Net.Transport;

namespace Totoro.Net.Security;

/// <summary>
/// The two messages that open a session between two certified hosts, and the key schedule.
/// Hello: magic | kind | version 1 | sender index 4 | unix ms 8 | X25519 ephemeral 32 | certificate length 2 |
/// certificate | Ed25519 signature 64 (by the certificate's key, over a domain tag and everything before it).
/// Reply: magic | kind | version 1 | sender index 4 | hello's sender index 4 | X25519 ephemeral 32 | certificate
/// length 2 | certificate | signature 64 (over a domain tag, SHA-256 of the hello and everything before it).
/// Keys: HKDF-SHA256 over the X25519 secret, salted with SHA-256(hello | reply), one ChaCha20-Poly1305 key each way.
/// </summary>
public static class Handshake
{
    public const byte Version = 1;
    private const int HelloFixed = 2 + 1 + 4 + 8 + 32 + 2;
    private const int ReplyFixed = 2 + 1 + 4 + 4 + 32 + 2;
    private static readonly byte[] HelloDomain = "totoro/hello/1"u8.ToArray();
    private static readonly byte[] ReplyDomain = "totoro/reply/1"u8.ToArray();

    public static KeyAgreementAlgorithm Agreement => KeyAgreementAlgorithm.X25519;

    public static AeadAlgorithm Aead => AeadAlgorithm.ChaCha20Poly1305;

    public static Key CreateEphemeral() => Key.Create(Agreement, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None });

    public static byte[] Hello(Credentials self, uint senderIndex, long unixMillis, Key ephemeral)
        => Build(self, FrameKind.Hello, ephemeral, field => BinaryPrimitives.WriteInt64BigEndian(field, unixMillis), senderIndex, signed => [.. HelloDomain, .. signed]);

    public static byte[] Reply(Credentials self, uint senderIndex, uint helloIndex, Key ephemeral, ReadOnlySpan<byte> hello)
    {
        byte[] helloHash = SHA256.HashData(hello);
        return Build(self, FrameKind.HelloReply, ephemeral, field => BinaryPrimitives.WriteUInt32BigEndian(field, helloIndex), senderIndex, signed => [.. ReplyDomain, .. helloHash, .. signed]);
    }

    /// <summary>magic | kind | version | sender index | the kind's own field (hello: time 8; reply: hello's index 4) | ephemeral | certificate | signature.</summary>
    private static byte[] Build(Credentials self, FrameKind kind, Key ephemeral, SpanAction field, uint senderIndex, Func<byte[], byte[]> toSign)
    {
        ArgumentNullException.ThrowIfNull(self);
        int fixedBytes = kind == FrameKind.Hello ? HelloFixed : ReplyFixed;
        int ephemeralAt = fixedBytes - 34;
        byte[] certificate = self.Certificate.Encode();
        var buffer = new byte[fixedBytes + certificate.Length + Keys.SignatureBytes];
        buffer[0] = Frame.Magic;
        buffer[1] = (byte)kind;
        buffer[2] = Version;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(3), senderIndex);
        field(buffer.AsSpan(7, ephemeralAt - 7));
        ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey).CopyTo(buffer, ephemeralAt);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(fixedBytes - 2), (ushort)certificate.Length);
        certificate.CopyTo(buffer, fixedBytes);
        int signed = fixedBytes + certificate.Length;
        Keys.Sign(self.Key, toSign(buffer[..signed])).CopyTo(buffer, signed);
        return buffer;
    }

    private delegate void SpanAction(Span<byte> field);

    /// <summary>A hello's fields, its certificate decoded and its signature checked against that certificate's key.</summary>
    public static bool TryReadHello(ReadOnlySpan<byte> data, out Parsed parsed, out string? error)
        => TryRead(data, HelloFixed, 47, HelloDomain, [], out parsed, out error);

    public static bool TryReadReply(ReadOnlySpan<byte> data, ReadOnlySpan<byte> hello, out Parsed parsed, out string? error)
        => TryRead(data, ReplyFixed, 43, ReplyDomain, SHA256.HashData(hello), out parsed, out error);

    /// <summary>The session keys: (initiator → responder, responder → initiator).</summary>
    public static (Key InitiatorToResponder, Key ResponderToInitiator)? DeriveKeys(Key ephemeral, ReadOnlySpan<byte> peerEphemeral, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> reply)
    {
        if (!PublicKey.TryImport(Agreement, peerEphemeral, KeyBlobFormat.RawPublicKey, out PublicKey? peer))
            return null;
        using SharedSecret? secret = Agreement.Agree(ephemeral, peer!);
        if (secret is null)
            return null; // a low-order point: libsodium refuses it
        // The transcript ends before the reply's signature, so both sides hash the same bytes.
        byte[] salt = SHA256.HashData([.. hello, .. reply[..^Keys.SignatureBytes]]);
        var parameters = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None };
        Key forward = KeyDerivationAlgorithm.HkdfSha256.DeriveKey(secret, salt, "totoro/session/i2r"u8, Aead, parameters);
        Key backward = KeyDerivationAlgorithm.HkdfSha256.DeriveKey(secret, salt, "totoro/session/r2i"u8, Aead, parameters);
        return (forward, backward);
    }

    private static bool TryRead(ReadOnlySpan<byte> data, int fixedBytes, int lengthAt, byte[] domain, byte[] helloHash, out Parsed parsed, out string? error)
    {
        parsed = default;
        if (data.Length < fixedBytes + Keys.SignatureBytes)
            return Fail($"a handshake of {data.Length} bytes is shorter than {fixedBytes + Keys.SignatureBytes}", out error);
        if (data[2] != Version)
            return Fail($"handshake version {data[2]} is not {Version}", out error);
        int certLength = BinaryPrimitives.ReadUInt16BigEndian(data[lengthAt..]);
        if (certLength > Certificate.MaxBytes || data.Length != fixedBytes + certLength + Keys.SignatureBytes)
            return Fail($"a handshake with a {certLength}-byte certificate cannot be {data.Length} bytes", out error);
        if (!Certificate.TryDecode(data.Slice(fixedBytes, certLength), out Certificate? certificate, out error))
            return false;
        int signed = fixedBytes + certLength;
        byte[] message = [.. domain, .. helloHash, .. data[..signed]];
        if (!Keys.Verify(certificate!.PublicKey, message, data[signed..]))
            return Fail($"handshake signature does not match the key of certificate '{certificate.Name}' (serial {certificate.Serial})", out error);
        bool hello = fixedBytes == HelloFixed;
        parsed = new Parsed(
            BinaryPrimitives.ReadUInt32BigEndian(data[3..]),
            hello ? 0 : BinaryPrimitives.ReadUInt32BigEndian(data[7..]),
            hello ? BinaryPrimitives.ReadInt64BigEndian(data[7..]) : 0,
            data.Slice(hello ? 15 : 11, 32).ToArray(),
            certificate);
        error = null;
        return true;
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }

    /// <summary>What a hello or reply says: the sender's session index, (reply) the hello's index, (hello) its time, its ephemeral key and certificate.</summary>
    public readonly record struct Parsed(uint SenderIndex, uint HelloIndex, long UnixMillis, byte[] Ephemeral, Certificate Certificate);
}
