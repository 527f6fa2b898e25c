using System.Globalization;
using NSec.Cryptography;
using Totoro.Net.Security;

namespace Totoro.Net.Deploy;

/// <summary>
/// The authority `totoro deploy` keeps beside its state file: made on first `up`, it certifies every host (the host's
/// key is kept here too, so a re-deploy keeps the host's node ids) and the deploy tool itself as an operator, whose
/// signature lets it ask the hosts' control endpoints from afar. Each host's data directory receives node.key,
/// node.cert, ca.pub and crl.
/// </summary>
public sealed class DeployAuthority : IDisposable
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(365);
    private readonly CertificateAuthority _ca;
    private readonly Lock _lock = new();

    private DeployAuthority(CertificateAuthority ca)
    {
        _ca = ca;
        Operator = LoadOrIssueOperator();
    }

    public string Directory => _ca.Directory;

    /// <summary>The deploy tool's own operator identity (signs its control requests).</summary>
    public Signer Operator { get; }

    public static DeployAuthority OpenOrInit(string directory)
        => new(File.Exists(Path.Combine(directory, CertificateAuthority.KeyFile)) ? CertificateAuthority.Open(directory) : CertificateAuthority.Init(directory));

    /// <summary>The operator identity of an existing authority (status, down): null when there is none.</summary>
    public static Signer? LoadOperator(string? directory)
        => directory is not null && File.Exists(Path.Combine(directory, "operator", Credentials.CertificateFile)) ? Signer.Load(Path.Combine(directory, "operator")) : null;

    /// <summary>Certifies a host for <paramref name="logicalNodes"/> nodes and copies its credentials into its data directory.</summary>
    public void Provision(HostSession session, int logicalNodes)
    {
        ArgumentNullException.ThrowIfNull(session);
        string name = session.Host.Name;
        string local = Path.Combine(Directory, "hosts", name);
        Certificate certificate;
        lock (_lock) // the serial file is shared by the hosts provisioned in parallel
        {
            using Key key = KeyFiles.LoadOrCreate(Path.Combine(local, Credentials.KeyFile));
            certificate = _ca.Issue(CertificateRole.Node, name, Keys.PublicBytes(key), logicalNodes, Validity);
            certificate.Save(Path.Combine(local, Credentials.CertificateFile));
        }

        string data = ShellQuote.Path(session.Host.RemoteDir, "data");
        session.RunChecked($"mkdir -p {ShellQuote.Quote(data)} && chmod 700 {ShellQuote.Quote(data)}", "creating the data directory");
        Upload(session, Path.Combine(local, Credentials.KeyFile), data + "/" + Credentials.KeyFile, 600);
        Upload(session, Path.Combine(local, Credentials.CertificateFile), data + "/" + Credentials.CertificateFile, 644);
        Upload(session, Path.Combine(Directory, CertificateAuthority.PublicFile), data + "/" + CertificateAuthority.PublicFile, 644);
        Upload(session, Path.Combine(Directory, CertificateAuthority.CrlFile), data + "/" + CertificateAuthority.CrlFile, 644);
    }

    private static void Upload(HostSession session, string localPath, string remotePath, short mode)
    {
        session.Sftp(sftp =>
        {
            string temporary = remotePath + ".upload";
            using (FileStream stream = File.OpenRead(localPath))
                sftp.UploadFile(stream, temporary, canOverride: true);
            sftp.ChangePermissions(temporary, mode); // SSH.NET reads the digits as octal
            sftp.RenameFile(temporary, remotePath, isPosix: true);
            return 0;
        }, $"uploading {Path.GetFileName(localPath)}");
    }

    private Signer LoadOrIssueOperator()
    {
        string dir = Path.Combine(Directory, "operator");
        if (File.Exists(Path.Combine(dir, Credentials.CertificateFile)))
        {
            Signer existing = Signer.Load(dir);
            if (existing.Certificate.NotAfter > DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds())
                return existing;
            existing.Dispose();
        }

        using Key key = KeyFiles.LoadOrCreate(Path.Combine(dir, Credentials.KeyFile));
        string who = string.Create(CultureInfo.InvariantCulture, $"deploy@{Environment.MachineName}");
        _ca.Issue(CertificateRole.Operator, who.Length > Certificate.MaxNameBytes ? who[..Certificate.MaxNameBytes] : who, Keys.PublicBytes(key), 1, Validity)
            .Save(Path.Combine(dir, Credentials.CertificateFile));
        return Signer.Load(dir);
    }

    public void Dispose()
    {
        Operator.Dispose();
        _ca.Dispose();
    }
}
