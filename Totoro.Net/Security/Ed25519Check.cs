using Totoro.Core.Learning;

namespace Totoro.Net.Security;

/// <summary>The learning layer's signature check on a certified host: Ed25519 through NSec.</summary>
public sealed class Ed25519Check : ISignatureCheck
{
    public static readonly Ed25519Check Instance = new();

    public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => Keys.Verify(publicKey, data, signature);
}
