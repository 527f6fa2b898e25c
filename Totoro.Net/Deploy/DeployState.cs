using System.Text.Json;
using System.Text.Json.Serialization;

namespace Totoro.Net.Deploy;

/// <summary>
/// The state file `deploy up` writes and `status`, `down` and `collect` read: who to SSH as, with which key, and
/// every host's directory, endpoint and pid.
/// </summary>
public sealed record DeployState
{
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public int Version { get; init; } = CurrentVersion;

    public required string User { get; init; }

    public required string Key { get; init; }

    public required string Bootstrap { get; init; }

    public bool SelfContained { get; init; }

    /// <summary>The deployment's authority directory (its operator identity signs status requests); null for an uncertified deployment.</summary>
    public string? Authority { get; init; }

    /// <summary>The known_hosts file `up` checked host keys against (later commands check the same one).</summary>
    public string? KnownHosts { get; init; }

    public required IReadOnlyList<DeployedHost> Hosts { get; init; }

    public void Save(string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
    }

    public static DeployState Load(string path)
    {
        if (!File.Exists(path))
            throw new DeployConfigException($"state file '{path}' does not exist: run `totoro deploy up --state {path} ...` first, or pass the --state that up wrote");
        try
        {
            DeployState? state = JsonSerializer.Deserialize<DeployState>(File.ReadAllText(path), Json);
            if (state is null || state.Hosts is null || state.Hosts.Count == 0)
                throw new DeployConfigException($"state file '{path}' lists no hosts: run `totoro deploy up` again");
            if (state.Version != CurrentVersion)
                throw new DeployConfigException($"state file '{path}' has version {state.Version}, this totoro reads {CurrentVersion}: redeploy with this build");
            return state;
        }
        catch (JsonException ex)
        {
            throw new DeployConfigException($"state file '{path}' is not a deploy state ({ex.Message}): pass the file `totoro deploy up` wrote");
        }
    }
}
