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
    private const byte Version = 1;
    private const int MaxCurve = 100_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public AccuracyCurve? AccuracyCurve => Curve is { Count: > 0 } points ? new AccuracyCurve(points) : null;

    /// <summary>version u8 | seed u64 | parameters i32 | timing u8 | curve count i32 | (accuracy, loss) f64 pairs | spec as JSON.</summary>
    public byte[] Encode()
    {
        byte[] spec = JsonSerializer.SerializeToUtf8Bytes(Spec, Json);
        int points = Curve?.Count ?? 0;
        var bytes = new byte[18 + (16 * points) + spec.Length];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(1), Seed);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(9), Parameters);
        bytes[13] = Timing ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(14), points);
        for (int i = 0; i < points; i++)
        {
            BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(18 + (16 * i)), Curve![i].Accuracy);
            BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(26 + (16 * i)), Curve[i].Loss);
        }

        spec.CopyTo(bytes, 18 + (16 * points));
        return bytes;
    }

    /// <summary>Total decoder: any bytes give the app's info (with a spec that validates) or a reason.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out LearningAppInfo? info, out string? error)
    {
        info = null;
        if (bytes.Length < 18 || bytes[0] != Version || bytes[13] > 1)
            return Fail("not a learning app's descriptor", out error);
        int points = BinaryPrimitives.ReadInt32BigEndian(bytes[14..]);
        if (points is < 0 or > MaxCurve || (long)points * 16 > bytes.Length - 18)
            return Fail($"a curve of {points} points does not fit the descriptor", out error);
        var curve = new (double, double)[points];
        for (int i = 0; i < points; i++)
            curve[i] = (BinaryPrimitives.ReadDoubleBigEndian(bytes[(18 + (16 * i))..]), BinaryPrimitives.ReadDoubleBigEndian(bytes[(26 + (16 * i))..]));
        AppSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<AppSpec>(bytes[(18 + (16 * points))..], Json);
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
        info = new LearningAppInfo(spec, BinaryPrimitives.ReadUInt64BigEndian(bytes[1..]), parameters, bytes[13] == 1, points > 0 ? curve : null);
        error = null;
        return true;
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}
