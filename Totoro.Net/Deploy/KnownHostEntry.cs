using System.Security.Cryptography;
using System.Text;

namespace Totoro.Net.Deploy;

/// <summary>One known_hosts line: who it names (patterns or one hashed name) and the key.</summary>
public sealed class KnownHostEntry
{
    private readonly string[] _patterns;
    private readonly byte[]? _salt;
    private readonly byte[]? _hash;

    private KnownHostEntry(int line, string[] patterns, byte[]? salt, byte[]? hash, bool revoked, string keyType, byte[] key)
    {
        Line = line;
        _patterns = patterns;
        _salt = salt;
        _hash = hash;
        Revoked = revoked;
        KeyType = keyType;
        Key = key;
    }

    public int Line { get; }

    public bool Revoked { get; }

    public string KeyType { get; }

    /// <summary>The public key blob (the base64 field decoded).</summary>
    public byte[] Key { get; }

    /// <summary>The entry, or null for a blank, comment, @cert-authority or malformed line (OpenSSH skips those too).</summary>
    public static KnownHostEntry? Parse(string line, int number)
    {
        ArgumentNullException.ThrowIfNull(line);
        string[] words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0].StartsWith('#'))
            return null;
        bool revoked = false;
        if (words[0].StartsWith('@'))
        {
            if (words[0] != "@revoked")
                return null;
            revoked = true;
            words = words[1..];
        }

        if (words.Length < 3)
            return null;
        byte[] key;
        try
        {
            key = Convert.FromBase64String(words[2]);
        }
        catch (FormatException)
        {
            return null;
        }

        if (KnownHosts.KeyType(key) != words[1])
            return null; // the blob must name the type the line names
        if (words[0].StartsWith("|1|", StringComparison.Ordinal))
        {
            string[] parts = words[0].Split('|');
            try
            {
                byte[] salt = Convert.FromBase64String(parts[2]), hash = Convert.FromBase64String(parts[3]);
                return parts.Length == 4 && salt.Length == 20 && hash.Length == 20 ? new KnownHostEntry(number, [], salt, hash, revoked, words[1], key) : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return new KnownHostEntry(number, words[0].Split(',', StringSplitOptions.RemoveEmptyEntries), null, null, revoked, words[1], key);
    }

    /// <summary>Whether this entry names <paramref name="token"/> (`host` or `[host]:port`).</summary>
    public bool Matches(string token)
    {
        if (_hash is not null)
            return CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(_salt!, Encoding.ASCII.GetBytes(token)), _hash);
        bool matched = false;
        foreach (string pattern in _patterns)
        {
            bool negated = pattern.StartsWith('!');
            if (!Glob(negated ? pattern[1..] : pattern, token))
                continue;
            if (negated)
                return false; // a negated match excludes the host whatever else matches
            matched = true;
        }

        return matched;
    }

    /// <summary>OpenSSH's pattern match: `*` any run, `?` one character, case-insensitive.</summary>
    private static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }
}
