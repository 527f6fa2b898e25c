using System.Buffers.Binary;
using Totoro.Net.Security;
using Totoro.Net.Transport;

namespace Totoro.Net.Control;

/// <summary>
/// A control request from elsewhere than the host's loopback: magic | kind | certificate length 2 | certificate |
/// unix ms 8 | JSON | Ed25519 signature 64 by the certificate's key over a domain tag and everything before it.
/// A host accepts it from an operator certificate of its authority, fresh, and not seen before.
/// </summary>
public static class SignedRequest
{
    private static readonly byte[] Domain = "totoro/control/1"u8.ToArray();

    public static byte[] Encode(Signer signer, ReadOnlySpan<byte> json, long unixMillis)
    {
        ArgumentNullException.ThrowIfNull(signer);
        byte[] certificate = signer.Certificate.Encode();
        int signed = 2 + 2 + certificate.Length + 8 + json.Length;
        var buffer = new byte[signed + Keys.SignatureBytes];
        buffer[0] = Frame.Magic;
        buffer[1] = (byte)FrameKind.SignedRequest;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)certificate.Length);
        certificate.CopyTo(buffer, 4);
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(4 + certificate.Length), unixMillis);
        json.CopyTo(buffer.AsSpan(12 + certificate.Length));
        Keys.Sign(signer.Key, [.. Domain, .. buffer.AsSpan(0, signed)]).CopyTo(buffer, signed);
        return buffer;
    }

    /// <summary>The request's certificate, time and JSON when its signature is its certificate's key's; false with a reason.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out Certificate? certificate, out long unixMillis, out ReadOnlySpan<byte> json, out string? error)
    {
        certificate = null;
        unixMillis = 0;
        json = default;
        if (data.Length < 4 + Certificate.FixedBytes + 8 + (2 * Keys.SignatureBytes))
            return Fail($"a signed request of {data.Length} bytes is too short", out error);
        int certLength = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        if (certLength > Certificate.MaxBytes || data.Length < 4 + certLength + 8 + Keys.SignatureBytes)
            return Fail($"a signed request with a {certLength}-byte certificate cannot be {data.Length} bytes", out error);
        if (!Certificate.TryDecode(data.Slice(4, certLength), out certificate, out error))
            return false;
        int signed = data.Length - Keys.SignatureBytes;
        if (!Keys.Verify(certificate!.PublicKey, [.. Domain, .. data[..signed]], data[signed..]))
            return Fail($"the request's signature does not match certificate '{certificate.Name}'", out error);
        unixMillis = BinaryPrimitives.ReadInt64BigEndian(data[(4 + certLength)..]);
        json = data[(12 + certLength)..signed];
        error = null;
        return true;
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}
