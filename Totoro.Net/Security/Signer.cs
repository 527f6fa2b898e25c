using NSec.Cryptography;

namespace Totoro.Net.Security;

/// <summary>
/// A key and its certificate, used to sign control requests (an operator's, or the deploy tool's). In a directory:
/// node.key and node.cert, as `totoro ca issue --role operator --out DIR` writes them.
/// </summary>
public sealed class Signer(Key key, Certificate certificate) : IDisposable
{
    public Key Key { get; } = key;

    public Certificate Certificate { get; } = certificate;

    public static Signer Load(string directory)
    {
        Key key = KeyFiles.LoadPrivate(Path.Combine(directory, Credentials.KeyFile));
        Certificate certificate = Certificate.Load(Path.Combine(directory, Credentials.CertificateFile));
        if (!Keys.PublicBytes(key).AsSpan().SequenceEqual(certificate.PublicKey))
            throw new InvalidDataException($"{directory}: {Credentials.CertificateFile} is for another key than {Credentials.KeyFile}");
        return new Signer(key, certificate);
    }

    public void Dispose() => Key.Dispose();
}
