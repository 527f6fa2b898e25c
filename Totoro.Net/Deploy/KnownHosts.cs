using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Totoro.Net.Deploy;

/// <summary>
/// An OpenSSH known_hosts file: plain host patterns (comma lists, `*`/`?` wildcards, `!` negation, `[host]:port`
/// for ports other than 22), hashed entries (`|1|salt|HMAC-SHA1(salt, host)`, as `ssh-keygen -H` writes them) and
/// `@revoked` keys. `@cert-authority` lines are skipped (deploy does not take host certificates). Thread-safe: hosts
/// are checked and appended from parallel sessions.
/// </summary>
public sealed class KnownHosts
{
    private readonly List<KnownHostEntry> _entries;
    private readonly Lock _lock = new();

    private KnownHosts(string path, List<KnownHostEntry> entries)
    {
        Path = path;
        _entries = entries;
    }

    public string Path { get; }

    public int Count
    {
        get
        {
            lock (_lock)
                return _entries.Count;
        }
    }

    /// <summary>Reads the file; a missing one is empty (trust-on-first-use creates it).</summary>
    public static KnownHosts Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new DeployConfigException($"--known-hosts '{path}' is a directory: give a known_hosts file");
        if (!File.Exists(full))
            return new KnownHosts(full, []);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployConfigException($"--known-hosts '{path}' cannot be read ({ex.Message}): check its permissions");
        }

        var entries = new List<KnownHostEntry>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (KnownHostEntry.Parse(lines[i], i + 1) is { } entry)
                entries.Add(entry);
        }

        return new KnownHosts(full, entries);
    }

    /// <summary>The name known_hosts files use for a host: `host` on port 22, `[host]:port` otherwise.</summary>
    public static string HostToken(string host, int port)
        => port == 22 ? host : string.Create(CultureInfo.InvariantCulture, $"[{host}]:{port}");

    /// <summary>The key type an SSH public key blob names (its first string, e.g. ssh-ed25519); null if malformed.</summary>
    public static string? KeyType(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4)
            return null;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(blob);
        return length is > 0 and < 64 && blob.Length >= 4 + length ? Encoding.ASCII.GetString(blob.Slice(4, (int)length)) : null;
    }

    /// <summary>Key types recorded for a host (to offer only those in the key exchange).</summary>
    public IReadOnlySet<string> KeyTypesFor(string host, int port)
    {
        string token = HostToken(host, port);
        lock (_lock)
            return _entries.Where(e => !e.Revoked && e.Matches(token)).Select(e => e.KeyType).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>What this file says about the key <paramref name="blob"/> shown by host:port.</summary>
    public KnownHostCheck Check(string host, int port, ReadOnlySpan<byte> blob)
    {
        string token = HostToken(host, port);
        string? type = KeyType(blob);
        KnownHostEntry? sameType = null, otherType = null;
        lock (_lock)
        {
            foreach (KnownHostEntry entry in _entries)
            {
                if (entry.Revoked && entry.Key.AsSpan().SequenceEqual(blob))
                    return new KnownHostCheck(KnownHostVerdict.Revoked, entry.Line);
                if (entry.Revoked || !entry.Matches(token))
                    continue;
                if (entry.KeyType != type)
                {
                    otherType ??= entry;
                    continue;
                }

                if (entry.Key.AsSpan().SequenceEqual(blob))
                    return new KnownHostCheck(KnownHostVerdict.Known, entry.Line);
                sameType ??= entry;
            }
        }

        return sameType is not null ? new KnownHostCheck(KnownHostVerdict.Changed, sameType.Line, sameType.KeyType)
            : otherType is not null ? new KnownHostCheck(KnownHostVerdict.OtherType, otherType.Line, otherType.KeyType)
            : new KnownHostCheck(KnownHostVerdict.Unknown, 0);
    }

    /// <summary>Records a host's key (trust on first use): one plain line appended, as `ssh` itself would.</summary>
    public void Append(string host, int port, byte[] blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        string type = KeyType(blob) ?? throw new ArgumentException("not an SSH public key blob", nameof(blob));
        string line = $"{HostToken(host, port)} {type} {Convert.ToBase64String(blob)}";
        lock (_lock)
        {
            if (_entries.Any(e => !e.Revoked && e.Matches(HostToken(host, port)) && e.Key.AsSpan().SequenceEqual(blob)))
                return; // two sessions to one host (ssh and sftp, or two entries of one machine) record it once
            string? directory = System.IO.Path.GetDirectoryName(Path);
            if (directory is not null)
                Directory.CreateDirectory(directory);
            bool needsNewline = File.Exists(Path) && new FileInfo(Path).Length > 0 && !File.ReadAllText(Path).EndsWith('\n');
            File.AppendAllText(Path, (needsNewline ? "\n" : "") + line + "\n");
            int number = File.ReadAllLines(Path).Length;
            _entries.Add(KnownHostEntry.Parse(line, number)!);
        }
    }
}
