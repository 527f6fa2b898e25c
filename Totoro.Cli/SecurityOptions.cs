using Totoro.Net.Security;

namespace Totoro.Cli;

/// <summary>Where `totoro node` finds its credentials: explicit files, or the ones `totoro ca issue` put in its data directory.</summary>
internal static class SecurityOptions
{
    public static Credentials? Load(FileInfo? cert, FileInfo? key, FileInfo? ca, FileInfo? crl, DirectoryInfo? dataDir)
    {
        string? certPath = cert?.FullName;
        if (certPath is null && dataDir is not null && Credentials.ExistIn(dataDir.FullName))
            certPath = Path.Combine(dataDir.FullName, Credentials.CertificateFile);
        if (certPath is null)
        {
            if (key is not null || ca is not null || crl is not null)
                throw new UsageException("--key, --ca and --crl go with a certificate: pass --cert (or put node.cert in --data-dir)");
            return null;
        }

        string dir = Path.GetDirectoryName(certPath)!;
        string? crlPath = crl?.FullName ?? (File.Exists(Path.Combine(dir, CertificateAuthority.CrlFile)) ? Path.Combine(dir, CertificateAuthority.CrlFile) : null);
        return Credentials.Load(key?.FullName ?? Path.Combine(dir, Credentials.KeyFile), certPath, ca?.FullName ?? Path.Combine(dir, CertificateAuthority.PublicFile), crlPath);
    }
}
