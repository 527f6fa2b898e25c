using System.Text.Json;
using System.Text.Json.Serialization;

namespace Totoro.Net.Control;

/// <summary>The control protocol's JSON: camelCase, NaN allowed (rounds not evaluated), total on input.</summary>
public static class ControlJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static bool TryDeserialize<T>(ReadOnlySpan<byte> json, out T? value, out string? error)
        where T : class
    {
        try
        {
            value = JsonSerializer.Deserialize<T>(json, Options);
            error = value is null ? "empty control message" : null;
            return value is not null;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            value = null;
            error = $"control message is not valid JSON for {typeof(T).Name}: {ex.Message}";
            return false;
        }
    }
}
