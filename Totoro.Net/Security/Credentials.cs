using NSec.Cryptography;

namespace Totoro.Net.Security;

/// <summary>
/// What a certified host holds: its key, its certificate, the authority's public key and (optionally) its revocation
/// list. In a data directory they are node.key, node.cert, ca.pub and crl (what `totoro ca issue` and `totoro deploy`
/// write there).
/// </summary>
public sealed class Credentials : IDisposable
{
    public const string KeyFile = "node.key";
    public const string CertificateFile = "node.cert";

    public Credentials(Key key, Certificate certificate, byte[] authorityKey, RevocationList? revoked = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(certificate);
        if (!Keys.PublicBytes(key).AsSpan().SequenceEqual(certificate.PublicKey))
            throw new InvalidDataException($"the certificate ({certificate.Name}, serial {certificate.Serial}) is for another key than this host's");
        Key = key;
        Certificate = certificate;
        AuthorityKey = authorityKey;
        Revoked = revoked;
    }

    public Key Key { get; }

    public Certificate Certificate { get; }

    public byte[] AuthorityKey { get; }

    public RevocationList? Revoked { get; set; }

    /// <summary>True when <paramref name="directory"/> holds a certificate (so the host runs certified).</summary>
    public static bool ExistIn(string directory) => File.Exists(Path.Combine(directory, CertificateFile));

    /// <summary>Loads node.key, node.cert, ca.pub and crl (if present) from a directory; checks them against each other.</summary>
    public static Credentials Load(string directory) => Load(
        Path.Combine(directory, KeyFile), Path.Combine(directory, CertificateFile), Path.Combine(directory, CertificateAuthority.PublicFile),
        File.Exists(Path.Combine(directory, CertificateAuthority.CrlFile)) ? Path.Combine(directory, CertificateAuthority.CrlFile) : null);

    public static Credentials Load(string keyPath, string certificatePath, string authorityPath, string? crlPath)
    {
        byte[] authority = KeyFiles.LoadPublic(authorityPath);
        Certificate certificate = Certificate.Load(certificatePath);
        RevocationList? crl = crlPath is null ? null : RevocationList.Load(crlPath, authority);
        var credentials = new Credentials(KeyFiles.LoadPrivate(keyPath), certificate, authority, crl);
        if (credentials.Check(certificate, DateTimeOffset.UtcNow.ToUnixTimeSeconds()) is { } problem)
            throw new InvalidDataException($"{certificatePath}: {problem}");
        return credentials;
    }

    /// <summary>Null when <paramref name="certificate"/> is valid now for this deployment; otherwise why not.</summary>
    public string? Check(Certificate certificate, long unixNow)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!Keys.Verify(AuthorityKey, certificate.SignedBytes(), certificate.Signature))
            return $"certificate '{certificate.Name}' (serial {certificate.Serial}) is not signed by this deployment's authority";
        if (unixNow < certificate.NotBefore)
            return $"certificate '{certificate.Name}' (serial {certificate.Serial}) is not valid before {DateTimeOffset.FromUnixTimeSeconds(certificate.NotBefore):u}";
        if (unixNow > certificate.NotAfter)
            return $"certificate '{certificate.Name}' (serial {certificate.Serial}) expired at {DateTimeOffset.FromUnixTimeSeconds(certificate.NotAfter):u}";
        if (Revoked?.IsRevoked(certificate.Serial) == true)
            return $"certificate '{certificate.Name}' (serial {certificate.Serial}) is revoked";
        return null;
    }

    public void Dispose() => Key.Dispose();
}
