using System.Globalization;

namespace Totoro.Net.Deploy;

/// <summary>
/// Parses a hosts file: one <c>HOST[:SSHPORT] [dir=PATH] [port=UDPPORT] [nodes=K] [name=LABEL]</c> per line,
/// <c>#</c> comments and blank lines ignored. Any bad line is rejected with its number and the expected form.
/// </summary>
public static class HostsFile
{
    private const string Form = "HOST[:SSHPORT] [dir=PATH] [port=UDPPORT] [nodes=K] [name=LABEL]";

    public static IReadOnlyList<DeployHost> Read(string path)
    {
        if (!File.Exists(path))
            throw new DeployConfigException($"hosts file '{path}' does not exist: write one line per host, {Form}");
        return Parse(File.ReadAllText(path), path);
    }

    public static IReadOnlyList<DeployHost> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hosts = new List<DeployHost>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
                line = line[..hash];
            string[] words = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > 0)
                hosts.Add(ParseLine(words, i + 1, source));
        }

        if (hosts.Count == 0)
            throw new DeployConfigException($"hosts file '{source}' names no host: write one line per host, {Form}");
        return Label(CheckDistinct(hosts, source));
    }

    private static DeployHost ParseLine(string[] words, int line, string source)
    {
        string where = $"{source} line {line}";
        (string address, int sshPort) = ParseTarget(words[0], where);
        var host = new DeployHost { Line = line, Name = "", Address = address, SshPort = sshPort };
        foreach (string word in words.Skip(1))
        {
            int eq = word.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? word : word[..eq];
            string value = eq < 0 ? "" : word[(eq + 1)..];
            if (eq < 0 || value.Length == 0)
                throw new DeployConfigException($"{where}: '{word}' is not KEY=VALUE; the form is {Form}");
            host = key switch
            {
                "dir" => host with { RemoteDir = CheckDir(value, where) },
                "port" => host with { NodePort = ParsePort(value, "port", where) },
                "nodes" => host with { Nodes = ParseCount(value, where) },
                "name" => host with { Name = CheckName(value, where) },
                _ => throw new DeployConfigException($"{where}: unknown key '{key}'; the form is {Form}"),
            };
        }

        return host;
    }

    private static (string Address, int Port) ParseTarget(string word, string where)
    {
        if (word.Contains('=', StringComparison.Ordinal))
            throw new DeployConfigException($"{where}: the line must start with the host, not '{word}'; the form is {Form}");
        if (word.StartsWith('[') || word.Count(c => c == ':') > 1)
            throw new DeployConfigException($"{where}: '{word}' looks like IPv6; nodes listen on IPv4, so give an IPv4 address or host name");
        int colon = word.IndexOf(':', StringComparison.Ordinal);
        string address = colon < 0 ? word : word[..colon];
        if (address.Length == 0 || !address.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            throw new DeployConfigException($"{where}: '{address}' is not a host name or IPv4 address; the form is {Form}");
        return (address, colon < 0 ? 22 : ParsePort(word[(colon + 1)..], "SSH port", where));
    }

    private static int ParsePort(string text, string what, string where)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 1 and <= 65535
            ? port
            : throw new DeployConfigException($"{where}: {what} '{text}' must be a number from 1 to 65535");

    private static int ParseCount(string text, string where)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k is >= 1 and <= 1000
            ? k
            : throw new DeployConfigException($"{where}: nodes '{text}' must be a number from 1 to 1000");

    private static string CheckDir(string dir, string where)
        => dir.Contains('\'', StringComparison.Ordinal) || dir.Split('/').Contains("..")
            ? throw new DeployConfigException($"{where}: dir '{dir}' may not contain quotes or '..'")
            : dir.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/";

    private static string CheckName(string name, string where)
        => name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
            ? name
            : throw new DeployConfigException($"{where}: name '{name}' may hold only letters, digits, '.', '-' and '_' (it names a directory)");

    /// <summary>Two entries on one machine would overwrite each other's files or fight over a port.</summary>
    private static List<DeployHost> CheckDistinct(List<DeployHost> hosts, string source)
    {
        for (int i = 0; i < hosts.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                DeployHost a = hosts[j], b = hosts[i];
                if (!string.Equals(a.Address, b.Address, StringComparison.OrdinalIgnoreCase))
                    continue;
                if (a.RemoteDir == b.RemoteDir)
                    throw new DeployConfigException($"{source} line {b.Line}: {b.Address} dir={b.RemoteDir} is already used on line {a.Line}: give each entry on one machine its own dir=");
                if (a.NodePort == b.NodePort)
                    throw new DeployConfigException($"{source} line {b.Line}: {b.Address} port={b.NodePort} is already used on line {a.Line}: give each entry on one machine its own port=");
            }

            if (hosts[i].Name.Length > 0 && hosts.Take(i).Any(h => h.Name == hosts[i].Name))
                throw new DeployConfigException($"{source} line {hosts[i].Line}: name '{hosts[i].Name}' is already used: names must be unique");
        }

        return hosts;
    }

    /// <summary>Unnamed entries are called by their host, with the line number when the host repeats.</summary>
    private static List<DeployHost> Label(List<DeployHost> hosts)
    {
        return hosts.Select(h => h.Name.Length > 0
            ? h
            : h with { Name = hosts.Count(o => string.Equals(o.Address, h.Address, StringComparison.OrdinalIgnoreCase)) > 1 ? $"{h.Address}-line{h.Line}" : h.Address })
            .ToList();
    }
}
