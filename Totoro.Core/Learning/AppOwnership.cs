using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// Who owns an app (DESIGN §10a): its id is hash(name, creator's public key, salt), and the creator signs the app's
/// descriptor — the id, the spec, the seed — and each request to stop it. Nodes that check signatures serve an app
/// only with a valid claim, and its root stops it only when its creator asks.
/// </summary>
public static class AppOwnership
{
    public const int KeyBytes = 32;
    public const int SignatureBytes = 64;
    private static readonly byte[] ClaimDomain = "totoro/app/1"u8.ToArray();
    private static readonly byte[] StopDomain = "totoro/stop/1"u8.ToArray();

    /// <summary>The bytes a creator signs to claim an app: a domain tag, the app id, SHA-256 of its spec (as the descriptor carries it) and the seed.</summary>
    public static byte[] ClaimBytes(NodeId app, AppSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var bytes = new byte[ClaimDomain.Length + 16 + 32 + 8];
        ClaimDomain.CopyTo(bytes, 0);
        app.WriteBytes(bytes.AsSpan(ClaimDomain.Length));
        SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(spec, LearningAppInfo.SpecJson), bytes.AsSpan(ClaimDomain.Length + 16));
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(ClaimDomain.Length + 48), seed);
        return bytes;
    }

    /// <summary>The bytes a creator signs to stop its app.</summary>
    public static byte[] StopBytes(NodeId app)
    {
        var bytes = new byte[StopDomain.Length + 16];
        StopDomain.CopyTo(bytes, 0);
        app.WriteBytes(bytes.AsSpan(StopDomain.Length));
        return bytes;
    }

    /// <summary>Null when <paramref name="info"/> is a valid claim on <paramref name="app"/> (or nothing is checked); otherwise why not.</summary>
    public static string? CheckClaim(NodeId app, string name, LearningAppInfo info, ISignatureCheck? signatures)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.Creator.Length == 0)
            return signatures is null ? null : "the app is not signed by a creator: this overlay serves only apps whose creator signed them (totoro app submit signs with --key)";
        if (AppId.Create(name, info.Creator, info.Salt) != app)
            return $"app id {app} is not hash(name, creator's key, salt): the claim is for another app";
        if (signatures is not null && !signatures.Verify(info.Creator, ClaimBytes(app, info.Spec, info.Seed), info.Signature))
            return "the creator's signature on the app does not verify";
        return null;
    }

    /// <summary>Null when <paramref name="signature"/> is the app's creator asking to stop it (or nothing is checked); otherwise why not.</summary>
    public static string? CheckStop(NodeId app, LearningAppInfo info, ReadOnlySpan<byte> signature, ISignatureCheck? signatures)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (signatures is null || info.Creator.Length == 0)
            return null;
        return signatures.Verify(info.Creator, StopBytes(app), signature) ? null : "only the app's creator may stop it: the request is not signed by the creator's key";
    }
}
