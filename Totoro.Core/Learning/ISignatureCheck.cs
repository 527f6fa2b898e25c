namespace Totoro.Core.Learning;

/// <summary>
/// Checks an Ed25519 signature. The protocol core holds no crypto library: a certified real host gives its learning
/// layer one (NSec); without it (the simulator, an open host) app ownership is recorded but signatures are not checked.
/// </summary>
public interface ISignatureCheck
{
    bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);
}
