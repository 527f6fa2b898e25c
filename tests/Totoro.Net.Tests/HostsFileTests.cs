using Totoro.Net.Deploy;

namespace Totoro.Net.Tests;

/// <summary>The deploy hosts file: what each line means, and every bad line named by its number.</summary>
public class HostsFileTests
{
    [Fact]
    public void Lines_with_comments_ports_dirs_and_names_parse_to_the_entries_they_say()
    {
        const string text = """
            # edge hosts
            10.0.0.5
            10.0.0.6:2222   dir=/srv/totoro port=7200 nodes=8   # a bigger box

            box-a.example:22 name=a dir=t1
            box-a.example:22 dir=t2 port=7101
            """;
        IReadOnlyList<DeployHost> hosts = HostsFile.Parse(text, "hosts.txt");
        DeployHost[] expected =
        [
            new() { Line = 2, Name = "10.0.0.5", Address = "10.0.0.5" },
            new() { Line = 3, Name = "10.0.0.6", Address = "10.0.0.6", SshPort = 2222, RemoteDir = "/srv/totoro", NodePort = 7200, Nodes = 8 },
            new() { Line = 5, Name = "a", Address = "box-a.example", RemoteDir = "t1" },
            new() { Line = 6, Name = "box-a.example-line6", Address = "box-a.example", RemoteDir = "t2", NodePort = 7101 },
        ];
        Assert.Equal(expected, hosts);
    }

    [Theory]
    [InlineData("10.0.0.1\n10.0.0.2:0\n", "line 2: SSH port '0' must be a number from 1 to 65535")]
    [InlineData("10.0.0.1 port=70000\n", "line 1: port '70000' must be a number from 1 to 65535")]
    [InlineData("# c\n10.0.0.1 nodes=0\n", "line 2: nodes '0' must be a number from 1 to 1000")]
    [InlineData("10.0.0.1 color=red\n", "line 1: unknown key 'color'")]
    [InlineData("10.0.0.1 dir\n", "line 1: 'dir' is not KEY=VALUE")]
    [InlineData("[::1]:22\n", "line 1: '[::1]:22' looks like IPv6")]
    [InlineData("host/x\n", "line 1: 'host/x' is not a host name or IPv4 address")]
    [InlineData("10.0.0.1 dir=../up\n", "line 1: dir '../up' may not contain quotes or '..'")]
    [InlineData("h dir=a port=1\nh dir=a port=2\n", "line 2: h dir=a is already used on line 1: give each entry on one machine its own dir=")]
    [InlineData("h dir=a port=1\n\nh dir=b port=1\n", "line 3: h port=1 is already used on line 1: give each entry on one machine its own port=")]
    [InlineData("# nothing\n\n", "names no host")]
    public void Bad_lines_are_rejected_with_their_number_and_the_fix(string text, string message)
    {
        var error = Assert.Throws<DeployConfigException>(() => HostsFile.Parse(text, "hosts.txt"));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("hosts", error.Message);
    }
}
