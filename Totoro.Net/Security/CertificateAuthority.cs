using System.Globalization;
using NSec.Cryptography;

namespace Totoro.Net.Security;

/// <summary>
/// A deployment's authority, kept in a directory: ca.key (its Ed25519 private key, owner-only), ca.pub (what every
/// host is given), serial (the next serial to issue) and crl (its signed revocation list).
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    public const string KeyFile = "ca.key";
    public const string PublicFile = "ca.pub";
    public const string CrlFile = "crl";
    private const string SerialFile = "serial";

    private readonly Key _key;

    private CertificateAuthority(string directory, Key key)
    {
        Directory = directory;
        _key = key;
        PublicKey = Keys.PublicBytes(key);
    }

    public string Directory { get; }

    public byte[] PublicKey { get; }

    /// <summary>Makes a new authority in <paramref name="directory"/>; refuses to overwrite one.</summary>
    public static CertificateAuthority Init(string directory)
    {
        string keyPath = Path.Combine(directory, KeyFile);
        if (File.Exists(keyPath))
            throw new IOException($"{keyPath} exists: an authority is already there (remove it to start over, which invalidates every certificate it issued)");
        Key key = Keys.CreateSigningKey();
        KeyFiles.SavePrivate(keyPath, key);
        var ca = new CertificateAuthority(directory, key);
        KeyFiles.SavePublic(Path.Combine(directory, PublicFile), ca.PublicKey);
        KeyFiles.WriteAtomically(Path.Combine(directory, SerialFile), "1\n", secret: false);
        ca.Revoke([]);
        return ca;
    }

    public static CertificateAuthority Open(string directory)
    {
        string keyPath = Path.Combine(directory, KeyFile);
        if (!File.Exists(keyPath))
            throw new FileNotFoundException($"{keyPath}: no authority there; make one with `totoro ca init --dir {directory}`");
        return new CertificateAuthority(directory, KeyFiles.LoadPrivate(keyPath));
    }

    /// <summary>Signs a certificate for <paramref name="publicKey"/>, valid from now (less a minute for clock skew) for <paramref name="validFor"/>.</summary>
    public Certificate Issue(CertificateRole role, string name, ReadOnlySpan<byte> publicKey, int logicalNodes, TimeSpan validFor, DateTimeOffset? now = null)
    {
        long start = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds() - 60;
        long end = start + 60 + (long)validFor.TotalSeconds;
        ulong serial = NextSerial();
        byte[] signed = Certificate.SignedBytes(role, serial, start, end, logicalNodes, publicKey, name);
        return new Certificate(role, serial, start, end, logicalNodes, publicKey.ToArray(), name, Keys.Sign(_key, signed));
    }

    /// <summary>Adds serials to the revocation list and signs it anew; returns the list.</summary>
    public RevocationList Revoke(IEnumerable<ulong> serials)
    {
        string path = Path.Combine(Directory, CrlFile);
        var all = new SortedSet<ulong>(serials);
        if (File.Exists(path))
            all.UnionWith(RevocationList.Load(path, PublicKey).Serials);
        long issued = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var list = new RevocationList(issued, all, Keys.Sign(_key, RevocationList.SignedBytes(issued, all)));
        list.Save(path);
        return list;
    }

    /// <summary>Signs arbitrary bytes with the authority's key (tests; an operator's tools).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => Keys.Sign(_key, data);

    private ulong NextSerial()
    {
        string path = Path.Combine(Directory, SerialFile);
        ulong serial = File.Exists(path) && ulong.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, out ulong s) ? s : 1;
        KeyFiles.WriteAtomically(path, (serial + 1).ToString(CultureInfo.InvariantCulture) + "\n", secret: false);
        return serial;
    }

    public void Dispose() => _key.Dispose();
}
