using System.Buffers.Binary;

namespace Totoro.Net.Security;

/// <summary>
/// The serials an authority has revoked, signed by it: version 1 | issued 8 (unix seconds) | count 4 | serials 8 each |
/// Ed25519 signature 64. File form "totoro-crl 1 BASE64". A host refuses a handshake with a revoked certificate.
/// </summary>
public sealed class RevocationList
{
    private const string TextPrefix = "totoro-crl 1 ";
    private const int MaxSerials = 1 << 20;
    private readonly HashSet<ulong> _serials;

    public RevocationList(long issued, IEnumerable<ulong> serials, byte[] signature)
    {
        Issued = issued;
        _serials = [.. serials];
        Signature = signature;
    }

    public long Issued { get; }

    public byte[] Signature { get; }

    public IReadOnlyCollection<ulong> Serials => _serials;

    public bool IsRevoked(ulong serial) => _serials.Contains(serial);

    public static byte[] SignedBytes(long issued, IReadOnlyCollection<ulong> serials)
    {
        var buffer = new byte[1 + 8 + 4 + (8 * serials.Count)];
        buffer[0] = 1;
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(1), issued);
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(9), serials.Count);
        int at = 13;
        foreach (ulong serial in serials.Order())
        {
            BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(at), serial);
            at += 8;
        }

        return buffer;
    }

    public bool IsSignedBy(ReadOnlySpan<byte> authorityKey) => Keys.Verify(authorityKey, SignedBytes(Issued, _serials), Signature);

    public void Save(string path) => KeyFiles.WriteAtomically(path, TextPrefix + Convert.ToBase64String([.. SignedBytes(Issued, _serials), .. Signature]) + "\n", secret: false);

    /// <summary>Reads a list and checks the authority signed it; a clear exception otherwise.</summary>
    public static RevocationList Load(string path, ReadOnlySpan<byte> authorityKey)
    {
        byte[] data = KeyFiles.Read(path, TextPrefix, "revocation list");
        if (data.Length < 13 + Keys.SignatureBytes || data[0] != 1)
            throw new InvalidDataException($"{path}: a revocation list of version 1 is at least {13 + Keys.SignatureBytes} bytes");
        int count = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(9));
        if (count is < 0 or > MaxSerials || data.Length != 13 + (8 * count) + Keys.SignatureBytes)
            throw new InvalidDataException($"{path}: the revocation list's length does not match its {count} serials");
        var serials = new ulong[count];
        for (int i = 0; i < count; i++)
            serials[i] = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(13 + (8 * i)));
        var list = new RevocationList(BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(1)), serials, data[^Keys.SignatureBytes..]);
        if (!list.IsSignedBy(authorityKey))
            throw new InvalidDataException($"{path}: the revocation list is not signed by this deployment's authority");
        return list;
    }
}
