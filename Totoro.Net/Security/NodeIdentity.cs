using System.Buffers.Binary;
using System.Security.Cryptography;
using Totoro.Core.Runtime;

namespace Totoro.Net.Security;

/// <summary>
/// Node ids earned, not chosen: logical node i of a host is SHA-256("totoro/node-id/1" | public key | i) cut to 128
/// bits, with its zone's prefix over the top bits when the deployment has zones (DESIGN §5). A peer checks a claimed
/// id against the key its certificate names, ignoring only the zone prefix (a host picks its zone by binning).
/// </summary>
public static class NodeIdentity
{
    private static readonly byte[] Domain = "totoro/node-id/1"u8.ToArray();

    public static NodeId Derive(ReadOnlySpan<byte> publicKey, int index)
    {
        Span<byte> input = stackalloc byte[Domain.Length + publicKey.Length + 2];
        Domain.CopyTo(input);
        publicKey.CopyTo(input[Domain.Length..]);
        BinaryPrimitives.WriteUInt16BigEndian(input[(Domain.Length + publicKey.Length)..], (ushort)index);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return NodeId.FromBytes(hash[..16]);
    }

    /// <summary>The ids a certificate's holder may use, with the top <paramref name="prefixBits"/> bits cleared.</summary>
    public static HashSet<UInt128> Suffixes(Certificate certificate, int prefixBits)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var set = new HashSet<UInt128>(certificate.LogicalNodes);
        for (int i = 0; i < certificate.LogicalNodes; i++)
            set.Add(Mask(Derive(certificate.PublicKey, i), prefixBits));
        return set;
    }

    public static UInt128 Mask(NodeId id, int prefixBits) => prefixBits == 0 ? id.Value : id.Value & (UInt128.MaxValue >> prefixBits);
}
