using System.Security.Cryptography;
using System.Text;
using Totoro.Net.Deploy;

namespace Totoro.Net.Tests;

/// <summary>
/// known_hosts parsing and matching against lines OpenSSH itself wrote: `ssh-keygen -H` hashed the plain file below
/// (the oracle for hashed names), and the HMAC-SHA1 of each name is recomputed here with the standard primitive.
/// </summary>
public class KnownHostsTests : IDisposable
{
    private const string Ed1 = "AAAAC3NzaC1lZDI1NTE5AAAAIPxk7WhTwBCdK7YUmJWoBTLKPBZd+KVCaG7cJgiffyrZ";
    private const string Ed2 = "AAAAC3NzaC1lZDI1NTE5AAAAIPAXwl87KHtWAIN4v0PVfFcA0hzTt5QMe86D8iFeEUUl";
    private const string Ecdsa = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOcYzv3iZgNY5a9eHYbWJsZshoJw2mvkjA1kXQ915UE/acKROHqlL8qXGT+bKC/gfNiKLvOzriP/oodk9U0jo2g=";

    // `ssh-keygen -H` of: "example.org,10.1.2.3 ssh-ed25519 Ed1" and "[10.1.2.4]:2222 ssh-ed25519 Ed2".
    private static readonly string Hashed = $"""
        |1|O5tEU7gVm1O8fjarzbR7H5LLafQ=|SVAJFuelbuTQNqcCWQj5iiOmLU0= ssh-ed25519 {Ed1}
        |1|DhEy7t3yp6wmMuq3sVXIAQUOYGc=|xhAS0xNnGXQjWnEhBu/vHwpXQIU= ssh-ed25519 {Ed1}
        |1|LmcFKC5RMVECEgjNjtW4yAYJrwo=|jZxBAL4c2EKU4IdQc6VzFdDn0b8= ssh-ed25519 {Ed2}

        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("totoro-known-hosts-").FullName;

    private static byte[] Key(string base64) => Convert.FromBase64String(base64);

    private KnownHosts Write(string text)
    {
        string path = Path.Combine(_dir, $"kh{Guid.NewGuid():N}");
        File.WriteAllText(path, text);
        return KnownHosts.Load(path);
    }

    [Fact]
    public void Hashed_names_written_by_ssh_keygen_are_the_hmac_sha1_of_the_host_token_under_their_salt()
    {
        string[] names = ["example.org", "10.1.2.3", "[10.1.2.4]:2222"];
        string[] lines = Hashed.Trim().Split('\n');
        for (int i = 0; i < names.Length; i++)
        {
            string[] parts = lines[i].Split(' ')[0].Split('|');
            byte[] expected = HMACSHA1.HashData(Convert.FromBase64String(parts[2]), Encoding.ASCII.GetBytes(names[i]));
            Assert.Equal(parts[3], Convert.ToBase64String(expected));
            Assert.True(KnownHostEntry.Parse(lines[i], i + 1)!.Matches(names[i]));
            Assert.False(KnownHostEntry.Parse(lines[i], i + 1)!.Matches(names[(i + 1) % names.Length]));
        }

        Assert.Equal("[10.1.2.4]:2222", KnownHosts.HostToken("10.1.2.4", 2222));
        Assert.Equal("10.1.2.4", KnownHosts.HostToken("10.1.2.4", 22));
    }

    [Fact]
    public void Hashed_entries_match_host_port_and_key_and_a_different_key_is_a_change_on_its_line()
    {
        KnownHosts file = Write(Hashed);
        Assert.Equal(3, file.Count);
        Assert.Equal(KnownHostVerdict.Known, file.Check("example.org", 22, Key(Ed1)).Verdict);
        Assert.Equal(KnownHostVerdict.Known, file.Check("10.1.2.3", 22, Key(Ed1)).Verdict);
        Assert.Equal(KnownHostVerdict.Known, file.Check("10.1.2.4", 2222, Key(Ed2)).Verdict);
        Assert.Equal(KnownHostVerdict.Unknown, file.Check("10.1.2.4", 22, Key(Ed2)).Verdict); // the port is part of the name
        Assert.Equal(KnownHostVerdict.Unknown, file.Check("example.com", 22, Key(Ed1)).Verdict);
        Assert.Equal(new KnownHostCheck(KnownHostVerdict.Changed, 1, "ssh-ed25519"), file.Check("example.org", 22, Key(Ed2)));
        Assert.Equal(new KnownHostCheck(KnownHostVerdict.Changed, 3, "ssh-ed25519"), file.Check("10.1.2.4", 2222, Key(Ed1)));
        Assert.Equal(new KnownHostCheck(KnownHostVerdict.OtherType, 1, "ssh-ed25519"), file.Check("example.org", 22, Key(Ecdsa)));
        Assert.Equal(["ssh-ed25519"], file.KeyTypesFor("10.1.2.4", 2222));
        Assert.Empty(file.KeyTypesFor("10.1.2.4", 22));
    }

    [Fact]
    public void Plain_patterns_wildcards_negation_markers_comments_and_bad_lines()
    {
        KnownHosts file = Write($"""
            # a comment, then a blank line

            *.example.org,!bad.example.org,10.0.0.? ssh-ed25519 {Ed1}
            [10.0.0.9]:2200 ecdsa-sha2-nistp256 {Ecdsa}
            @revoked * ssh-ed25519 {Ed2}
            @cert-authority *.example.org ssh-ed25519 {Ed2}
            broken.example ssh-rsa {Ed1}
            notbase64.example ssh-ed25519 ***
            short-line ssh-ed25519
            """);
        Assert.Equal(3, file.Count); // the comment, blank, @cert-authority and three malformed lines are skipped
        Assert.Equal(KnownHostVerdict.Known, file.Check("a.example.org", 22, Key(Ed1)).Verdict);
        Assert.Equal(KnownHostVerdict.Known, file.Check("A.Example.ORG", 22, Key(Ed1)).Verdict); // names are case-insensitive
        Assert.Equal(KnownHostVerdict.Known, file.Check("10.0.0.7", 22, Key(Ed1)).Verdict);
        Assert.Equal(KnownHostVerdict.Unknown, file.Check("10.0.0.17", 22, Key(Ed1)).Verdict); // ? is exactly one character
        Assert.Equal(KnownHostVerdict.Unknown, file.Check("bad.example.org", 22, Key(Ed1)).Verdict); // negated
        Assert.Equal(KnownHostVerdict.Unknown, file.Check("example.org", 22, Key(Ed1)).Verdict); // *. needs a label before it
        Assert.Equal(KnownHostVerdict.Known, file.Check("10.0.0.9", 2200, Key(Ecdsa)).Verdict);
        Assert.Equal(KnownHostVerdict.OtherType, file.Check("10.0.0.9", 2200, Key(Ed1)).Verdict);
        Assert.Equal(new KnownHostCheck(KnownHostVerdict.Revoked, 5), file.Check("a.example.org", 22, Key(Ed2)));
        Assert.Equal(KnownHostVerdict.Unknown, file.Check("broken.example", 22, Key(Ed1)).Verdict);
    }

    [Fact]
    public void Trust_on_first_use_appends_one_line_in_ssh_form_and_a_changed_key_is_refused_with_the_fix()
    {
        string path = Path.Combine(_dir, "known_hosts");
        File.WriteAllText(path, $"other.example ssh-ed25519 {Ed2}"); // no final newline: the append must not glue lines
        var host = new DeployHost { Line = 4, Name = "h4", Address = "10.1.2.4", SshPort = 2222 };
        byte[] shown = Key(Ed1);
        string fingerprint = "SHA256:" + Convert.ToBase64String(SHA256.HashData(shown)).TrimEnd('=');

        string? refused = new HostKeyPolicy(KnownHosts.Load(path), trustNew: false).Decide(host, shown, fingerprint);
        Assert.Equal($"its SSH host key (ssh-ed25519 {fingerprint}) is not in {path}: check the fingerprint, then pass --trust-new-hosts to record it there (or add it yourself: `ssh-keyscan -p 2222 10.1.2.4 >> {path}`)", refused);

        var trusting = new HostKeyPolicy(KnownHosts.Load(path), trustNew: true);
        Assert.Null(trusting.Decide(host, shown, fingerprint));
        Assert.Null(trusting.Decide(host, shown, fingerprint)); // the second session finds it known: no second line
        Assert.Equal([$"other.example ssh-ed25519 {Ed2}", $"[10.1.2.4]:2222 ssh-ed25519 {Ed1}"], File.ReadAllLines(path));

        var strict = new HostKeyPolicy(KnownHosts.Load(path), trustNew: true);
        Assert.Null(strict.Decide(host, shown, fingerprint));
        string? changed = strict.Decide(host, Key(Ed2), "SHA256:other");
        Assert.Equal($"its SSH host key changed: {path} line 2 holds another ssh-ed25519 key for [10.1.2.4]:2222, the host shows SHA256:other. Someone may be in the way; if the host was reinstalled, remove the old key (`ssh-keygen -R '[10.1.2.4]:2222' -f {path}`) and run again", changed);
        Assert.Equal(2, File.ReadAllLines(path).Length); // trust-new never overwrites a known host

        // The state file's pin: a host not in the file but pinned by `up` is trusted; another key is not.
        var pinned = host with { Address = "10.9.9.9", HostKey = fingerprint };
        var noTrust = new HostKeyPolicy(KnownHosts.Load(path), trustNew: false);
        Assert.Null(noTrust.Decide(pinned, shown, fingerprint));
        Assert.StartsWith($"its SSH host key changed: the deployment recorded {fingerprint}, the host shows SHA256:x.", noTrust.Decide(pinned, Key(Ed2), "SHA256:x"));
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
