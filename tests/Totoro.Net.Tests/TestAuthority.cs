using Totoro.Net.Security;

namespace Totoro.Net.Tests;

/// <summary>A deployment authority in a temporary directory, issuing host credentials for tests.</summary>
internal sealed class TestAuthority : IDisposable
{
    public TestAuthority()
    {
        Directory = Path.Combine(Path.GetTempPath(), "totoro-ca-" + Guid.NewGuid().ToString("N"));
        Authority = CertificateAuthority.Init(Directory);
    }

    public string Directory { get; }

    public CertificateAuthority Authority { get; }

    public Credentials Issue(string name, int logicalNodes = 4, TimeSpan? validFor = null, DateTimeOffset? now = null, CertificateRole role = CertificateRole.Node)
    {
        NSec.Cryptography.Key key = Keys.CreateSigningKey();
        Certificate certificate = Authority.Issue(role, name, Keys.PublicBytes(key), logicalNodes, validFor ?? TimeSpan.FromDays(1), now);
        return new Credentials(key, certificate, Authority.PublicKey);
    }

    public void Dispose()
    {
        Authority.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
