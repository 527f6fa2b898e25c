using NSec.Cryptography;

namespace Totoro.Net.Security;

/// <summary>The algorithms of the security layer (all from NSec, over libsodium) and their sizes.</summary>
public static class Keys
{
    public const int PublicKeyBytes = 32;
    public const int SignatureBytes = 64;

    public static SignatureAlgorithm Signing => SignatureAlgorithm.Ed25519;

    /// <summary>A new Ed25519 key that may be written to a key file.</summary>
    public static Key CreateSigningKey() => Key.Create(Signing, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });

    public static byte[] PublicBytes(Key key) => key.PublicKey.Export(KeyBlobFormat.RawPublicKey);

    public static byte[] Sign(Key key, ReadOnlySpan<byte> data) => Signing.Sign(key, data);

    /// <summary>True when <paramref name="signature"/> is the holder of <paramref name="publicKey"/> signing <paramref name="data"/>; false for any malformed key or signature.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureBytes || !PublicKey.TryImport(Signing, publicKey, KeyBlobFormat.RawPublicKey, out PublicKey? key))
            return false;
        return Signing.Verify(key!, data, signature);
    }
}
