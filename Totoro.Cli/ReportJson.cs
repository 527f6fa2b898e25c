using System.Text.Json;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>The JSON form of a report: camelCase, indented, fields in declaration order.</summary>
internal static class ReportJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, // an unevaluated round's accuracy is NaN
    };

    public static string Serialize(SimReport report) => JsonSerializer.Serialize(report, Options);

    public static SimReport? Deserialize(string json) => JsonSerializer.Deserialize<SimReport>(json, Options);
}
