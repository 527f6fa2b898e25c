using System.Buffers.Binary;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Net.Security;

/// <summary>
/// A certified host's seal on its roots' broadcasts: version 1 | logical index 2 | root id 16 | certificate length 2 |
/// the root host's certificate | Ed25519 signature 64 by the certificate's key over the broadcast's digest (app, round,
/// root, payload: <see cref="BroadcastDigest"/>). A receiver checks the certificate against the authority (cached per
/// root), that the root id is derived from the certified key, and the signature. One instance serves a host's nodes.
/// </summary>
public sealed class RootSeal : IBroadcastSeal
{
    public const byte Version = 1;
    public const int HeaderBytes = 1 + 2 + 16 + 2;
    private const int MaxCachedRoots = 1024;

    private readonly Credentials _credentials;
    private readonly int _prefixBits;
    private readonly Func<NodeId, int> _indexOf;
    private readonly WarningLimiter _warnings;
    private readonly byte[] _certificate;
    private readonly Dictionary<NodeId, (ulong Serial, byte[] Key, long NotAfter)> _certified = [];

    /// <param name="indexOf">The logical index of one of this host's node ids (its id is derived from the key and the index).</param>
    public RootSeal(Credentials credentials, int prefixBits, Func<NodeId, int> indexOf, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _credentials = credentials;
        _prefixBits = prefixBits;
        _indexOf = indexOf;
        _warnings = new WarningLimiter(warn, 5_000_000);
        _certificate = credentials.Certificate.Encode();
    }

    /// <summary>A seal's bytes for a host whose certificate names it in 8 bytes ("host-042"), what `totoro sim --secure` charges.</summary>
    public const int TypicalBytes = HeaderBytes + Certificate.FixedBytes + 8 + Keys.SignatureBytes + Keys.SignatureBytes;

    /// <summary>Bytes this host's seal adds to a broadcast (the seal itself; the attachment's framing adds 3).</summary>
    public int Bytes => HeaderBytes + _certificate.Length + Keys.SignatureBytes;

    /// <summary>Seals opened (each one Ed25519 verification), and certificates checked against the authority (cached per root).</summary>
    public long Opened { get; private set; }

    public long CertificatesChecked { get; private set; }

    public long Refusals { get; private set; }

    public byte[] Seal(NodeId app, int round, NodeId root, Payload wire)
    {
        var seal = new byte[Bytes];
        seal[0] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(seal.AsSpan(1), (ushort)_indexOf(root));
        root.WriteBytes(seal.AsSpan(3));
        BinaryPrimitives.WriteUInt16BigEndian(seal.AsSpan(19), (ushort)_certificate.Length);
        _certificate.CopyTo(seal, HeaderBytes);
        Keys.Sign(_credentials.Key, BroadcastDigest.Compute(app, round, root, wire)).CopyTo(seal, HeaderBytes + _certificate.Length);
        return seal;
    }

    public bool TryOpen(ReadOnlySpan<byte> seal, NodeId app, int round, Payload wire, out NodeId root, out string? error)
    {
        root = default;
        if (seal.Length < HeaderBytes + Keys.SignatureBytes || seal[0] != Version)
            return Fail($"a root seal of {seal.Length} bytes, version {(seal.Length > 0 ? seal[0] : 0)}", out error);
        int index = BinaryPrimitives.ReadUInt16BigEndian(seal[1..]);
        root = NodeId.FromBytes(seal[3..]);
        int certificateLength = BinaryPrimitives.ReadUInt16BigEndian(seal[19..]);
        if (seal.Length != HeaderBytes + certificateLength + Keys.SignatureBytes)
            return Fail($"a root seal of {seal.Length} bytes with a {certificateLength}-byte certificate", out error);
        if (Certified(root, index, seal.Slice(HeaderBytes, certificateLength), out error) is not { } key)
            return false;
        Opened++;
        if (!Keys.Verify(key, BroadcastDigest.Compute(app, round, root, wire), seal[(HeaderBytes + certificateLength)..]))
            return Fail($"the seal of round {round} of app {app} is not {root}'s signature over it", out error);
        error = null;
        return true;
    }

    public void Refused(NodeId app, int round, string reason)
    {
        Refusals++;
        _warnings.Warn("broadcast", $"broadcast refused: {reason}");
    }

    /// <summary>The certified key behind <paramref name="root"/>, or null with a reason.</summary>
    private byte[]? Certified(NodeId root, int index, ReadOnlySpan<byte> encoded, out string? error)
    {
        long unixNow = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (_certified.TryGetValue(root, out var known) && unixNow <= known.NotAfter && _credentials.Revoked?.IsRevoked(known.Serial) != true
            && encoded.Length >= 28 + Keys.PublicKeyBytes && encoded.Slice(28, Keys.PublicKeyBytes).SequenceEqual(known.Key))
        {
            error = null;
            return known.Key;
        }

        CertificatesChecked++;
        if (!Certificate.TryDecode(encoded, out Certificate? certificate, out error))
            return null;
        if ((_credentials.Check(certificate!, unixNow) ?? (certificate!.Role != CertificateRole.Node ? $"certificate '{certificate.Name}' is not a node's" : null)) is { } problem)
        {
            error = problem;
            return null;
        }

        if (index >= certificate!.LogicalNodes || NodeIdentity.Mask(NodeIdentity.Derive(certificate.PublicKey, index), _prefixBits) != NodeIdentity.Mask(root, _prefixBits))
        {
            error = $"root {root} is not logical node {index} of certificate '{certificate.Name}' (serial {certificate.Serial}): its id is not derived from the certified key";
            return null;
        }

        if (_certified.Count >= MaxCachedRoots)
            _certified.Clear();
        _certified[root] = (certificate.Serial, certificate.PublicKey, certificate.NotAfter);
        return certificate.PublicKey;
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}
