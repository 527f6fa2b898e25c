using System.CommandLine;
using System.Globalization;
using Totoro.Net.Security;

namespace Totoro.Cli;

/// <summary>`totoro ca init|issue|revoke|show`: a deployment's certificate authority (docs/security.md).</summary>
internal static class CaCommand
{
    public static Command Create()
    {
        var command = new Command("ca", "A deployment's certificate authority: make it, issue host and operator certificates, revoke them");
        command.Subcommands.Add(Init());
        command.Subcommands.Add(Issue());
        command.Subcommands.Add(Revoke());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Option<DirectoryInfo> Dir() => new("--dir") { Description = "The authority's directory (ca.key, ca.pub, serial, crl)", Required = true };

    private static Command Init()
    {
        Option<DirectoryInfo> dir = Dir();
        var command = new Command("init", "Make a new authority: an Ed25519 key (ca.key, owner-only), its public key (ca.pub) and an empty revocation list") { dir };
        command.SetAction(parsed =>
        {
            using CertificateAuthority ca = CertificateAuthority.Init(parsed.GetValue(dir)!.FullName);
            Console.Out.WriteLine($"authority made in {ca.Directory}: public key {Convert.ToHexString(ca.PublicKey).ToLowerInvariant()}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Issue()
    {
        Option<DirectoryInfo> dir = Dir();
        var name = new Option<string>("--name") { Description = "Who the certificate is for (a host's name, an operator's)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where to write node.key (unless --public-key), node.cert, ca.pub and crl: a host's --data-dir, or an operator's --operator dir", Required = true };
        var role = new Option<string>("--role") { Description = "node (a host of the overlay) or operator (may send signed control requests from anywhere)", DefaultValueFactory = _ => "node" };
        var logical = new Option<int>("--logical-nodes") { Description = "How many logical nodes the host may run (its ids are derived from its key, one per node)", DefaultValueFactory = _ => 1 };
        var days = new Option<double>("--days") { Description = "How long the certificate is valid", DefaultValueFactory = _ => 365 };
        var publicKey = new Option<FileInfo?>("--public-key") { Description = "Certify this existing key (a node.key or public-key file) instead of making a new key" };
        var command = new Command("issue", "Issue a certificate: for a new key (written too), or for the key a host made itself (--public-key)") { dir, name, output, role, logical, days, publicKey };
        command.SetAction(parsed =>
        {
            CertificateRole kind = parsed.GetValue(role) switch
            {
                "node" => CertificateRole.Node,
                "operator" => CertificateRole.Operator,
                var other => throw new UsageException($"--role '{other}' is not node or operator"),
            };
            double validDays = parsed.GetValue(days);
            if (!(validDays > 0))
                throw new UsageException($"--days must be more than 0 (got {validDays})");
            int nodes = parsed.GetValue(logical);
            if (nodes is < 1 or > 1000)
                throw new UsageException($"--logical-nodes must be from 1 to 1000 (got {nodes})");
            string outDir = parsed.GetValue(output)!.FullName;
            using CertificateAuthority ca = CertificateAuthority.Open(parsed.GetValue(dir)!.FullName);
            byte[] key;
            if (parsed.GetValue(publicKey) is { } file)
            {
                key = KeyFiles.LoadPublic(file.FullName);
            }
            else
            {
                using NSec.Cryptography.Key made = KeyFiles.LoadOrCreate(Path.Combine(outDir, Credentials.KeyFile));
                key = Keys.PublicBytes(made);
            }

            Certificate certificate = ca.Issue(kind, parsed.GetValue(name)!, key, nodes, TimeSpan.FromDays(validDays));
            certificate.Save(Path.Combine(outDir, Credentials.CertificateFile));
            CopyPublic(ca.Directory, outDir);
            Console.Out.WriteLine($"issued {certificate} into {outDir}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke()
    {
        Option<DirectoryInfo> dir = Dir();
        var serials = new Argument<string[]>("SERIAL") { Description = "Serials of the certificates to revoke", Arity = ArgumentArity.OneOrMore };
        var command = new Command("revoke", "Revoke certificates: the authority's crl is signed anew; copy it into each host's --data-dir (or pass --crl) and restart the host") { dir, serials };
        command.SetAction(parsed =>
        {
            var numbers = new List<ulong>();
            foreach (string text in parsed.GetValue(serials)!)
            {
                if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong serial))
                    throw new UsageException($"serial '{text}' is not a number");
                numbers.Add(serial);
            }

            using CertificateAuthority ca = CertificateAuthority.Open(parsed.GetValue(dir)!.FullName);
            RevocationList list = ca.Revoke(numbers);
            Console.Out.WriteLine($"revoked {string.Join(", ", numbers)}; the list in {Path.Combine(ca.Directory, CertificateAuthority.CrlFile)} now holds {list.Serials.Count} serial(s)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var file = new Argument<FileInfo>("CERT") { Description = "A certificate file (node.cert)" };
        var command = new Command("show", "Print what a certificate says") { file };
        command.SetAction(parsed =>
        {
            Console.Out.WriteLine(Certificate.Load(parsed.GetValue(file)!.FullName));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The authority's public key and revocation list, which every holder of a certificate needs beside it.</summary>
    internal static void CopyPublic(string caDir, string outDir)
    {
        File.Copy(Path.Combine(caDir, CertificateAuthority.PublicFile), Path.Combine(outDir, CertificateAuthority.PublicFile), overwrite: true);
        File.Copy(Path.Combine(caDir, CertificateAuthority.CrlFile), Path.Combine(outDir, CertificateAuthority.CrlFile), overwrite: true);
    }
}
