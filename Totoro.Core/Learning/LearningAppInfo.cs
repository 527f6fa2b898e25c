using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Totoro.Core.Learning;

/// <summary>
/// What a node must know of a learning app to serve it in any role, carried in the app's descriptor
/// (<see cref="Forest.AppDescriptor.Application"/>): the spec, the seed its data and model derive from, the model's
/// parameter count (for the tree's merge rule) and, in timing mode, the accuracy curve the master replays.
/// </summary>
public sealed record LearningAppInfo(AppSpec Spec, ulong Seed, int Parameters, bool Timing, IReadOnlyList<(double Accuracy, double Loss)>? Curve = null)
{
    private const byte Version = 2;

    /// <summary>The version with an owner section (creator, salt, signature); an app nobody owns keeps version 2's bytes.</summary>
    private const byte OwnedVersion = 3;

    /// <summary>
    /// Workers enrol with the root, which starts training by itself once it has <see cref="Spec"/>.Workers of them, or
    /// at least this many when <see cref="StartAfterMs"/> has passed since it learned the app. 0: no enrolment; the
    /// world hands out the shards and starts the master (the simulator's scenarios).
    /// </summary>
    public int MinWorkers { get; init; }

    /// <summary>How long the root waits for a full roster before starting with what it has (ms).</summary>
    public int StartAfterMs { get; init; } = 30_000;
    private const int MaxCurve = 100_000;

    /// <summary>The creator's Ed25519 public key (32 bytes), or none for an app nobody owns (the simulator's scenarios).</summary>
    public byte[] Creator { get; init; } = [];

    /// <summary>The salt of the app id (hash of name, creator, salt).</summary>
    public ulong Salt { get; init; }

    /// <summary>The creator's signature over <see cref="AppOwnership.ClaimBytes"/> (64 bytes), or none.</summary>
    public byte[] Signature { get; init; } = [];

    /// <summary>How the spec is serialized in the descriptor (and hashed into the creator's claim).</summary>
    internal static JsonSerializerOptions SpecJson => Json;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public AccuracyCurve? AccuracyCurve => Curve is { Count: > 0 } points ? new AccuracyCurve(points) : null;

    /// <summary>
    /// version u8 | seed u64 | parameters i32 | timing u8 | curve count i32 | (accuracy, loss) f64 pairs | min workers i32 |
    /// start after ms i32 | (version 3 only: creator length u8 (0 or 32) | creator | salt u64 | signature length u8 (0 or 64) | signature) | spec as JSON.
    /// </summary>
    public byte[] Encode()
    {
        byte[] spec = JsonSerializer.SerializeToUtf8Bytes(Spec, Json);
        int points = Curve?.Count ?? 0;
        if (Creator.Length is not (0 or AppOwnership.KeyBytes) || Signature.Length is not (0 or AppOwnership.SignatureBytes))
            throw new ArgumentException($"a creator key is {AppOwnership.KeyBytes} bytes and a signature {AppOwnership.SignatureBytes} (or none)");
        bool owned = Creator.Length > 0 || Signature.Length > 0 || Salt != 0;
        int owner = owned ? 1 + Creator.Length + 8 + 1 + Signature.Length : 0;
        var bytes = new byte[26 + (16 * points) + owner + spec.Length];
        bytes[0] = owned ? OwnedVersion : Version;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(1), Seed);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(9), Parameters);
        bytes[13] = Timing ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(14), points);
        for (int i = 0; i < points; i++)
        {
            BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(18 + (16 * i)), Curve![i].Accuracy);
            BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(26 + (16 * i)), Curve[i].Loss);
        }

        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(18 + (16 * points)), MinWorkers);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(22 + (16 * points)), StartAfterMs);
        int at = 26 + (16 * points);
        if (owned)
        {
            bytes[at] = (byte)Creator.Length;
            Creator.CopyTo(bytes, at + 1);
            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(at + 1 + Creator.Length), Salt);
            bytes[at + 9 + Creator.Length] = (byte)Signature.Length;
            Signature.CopyTo(bytes, at + 10 + Creator.Length);
        }

        spec.CopyTo(bytes, at + owner);
        return bytes;
    }

    /// <summary>Total decoder: any bytes give the app's info (with a spec that validates) or a reason.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out LearningAppInfo? info, out string? error)
    {
        info = null;
        if (bytes.Length < 18 || bytes[0] is not (Version or OwnedVersion) || bytes[13] > 1)
            return Fail("not a learning app's descriptor", out error);
        int points = BinaryPrimitives.ReadInt32BigEndian(bytes[14..]);
        if (points is < 0 or > MaxCurve || (long)points * 16 > bytes.Length - 26)
            return Fail($"a curve of {points} points does not fit the descriptor", out error);
        var curve = new (double, double)[points];
        for (int i = 0; i < points; i++)
            curve[i] = (BinaryPrimitives.ReadDoubleBigEndian(bytes[(18 + (16 * i))..]), BinaryPrimitives.ReadDoubleBigEndian(bytes[(26 + (16 * i))..]));
        int at = 26 + (16 * points);
        byte[] creator = [], signature = [];
        ulong salt = 0;
        if (bytes[0] == OwnedVersion)
        {
            if (bytes.Length < at + 10)
                return Fail("the descriptor ends before its owner", out error);
            int creatorLength = bytes[at];
            if (creatorLength is not (0 or AppOwnership.KeyBytes) || bytes.Length < at + 10 + creatorLength)
                return Fail($"a creator key of {creatorLength} bytes", out error);
            creator = bytes.Slice(at + 1, creatorLength).ToArray();
            salt = BinaryPrimitives.ReadUInt64BigEndian(bytes[(at + 1 + creatorLength)..]);
            int signatureLength = bytes[at + 9 + creatorLength];
            if (signatureLength is not (0 or AppOwnership.SignatureBytes) || bytes.Length < at + 10 + creatorLength + signatureLength)
                return Fail($"a creator signature of {signatureLength} bytes", out error);
            signature = bytes.Slice(at + 10 + creatorLength, signatureLength).ToArray();
            at += 10 + creatorLength + signatureLength;
        }

        AppSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<AppSpec>(bytes[at..], Json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return Fail($"the app's spec is not valid JSON: {ex.Message}", out error);
        }

        if (spec is null || spec.Validate() is { Count: > 0 })
            return Fail("the app's spec does not validate", out error);
        int parameters = BinaryPrimitives.ReadInt32BigEndian(bytes[9..]);
        if (parameters < 1)
            return Fail($"a model of {parameters} parameters", out error);
        int minWorkers = BinaryPrimitives.ReadInt32BigEndian(bytes[(18 + (16 * points))..]);
        int startAfter = BinaryPrimitives.ReadInt32BigEndian(bytes[(22 + (16 * points))..]);
        if (minWorkers < 0 || startAfter < 0)
            return Fail("negative start policy", out error);
        info = new LearningAppInfo(spec, BinaryPrimitives.ReadUInt64BigEndian(bytes[1..]), parameters, bytes[13] == 1, points > 0 ? curve : null)
        {
            MinWorkers = minWorkers,
            StartAfterMs = startAfter,
            Creator = creator,
            Salt = salt,
            Signature = signature,
        };
        error = null;
        return true;
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}
