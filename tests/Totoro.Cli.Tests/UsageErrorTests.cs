using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Totoro.Net.Control;

namespace Totoro.Cli.Tests;

/// <summary>Issue 18: every mistake on the command line gets one line that says what is wrong and where to look.</summary>
public partial class UsageErrorTests
{
    private static readonly string[] Training = ["--subscribers-per-app", "10", "--rounds", "1", "--dataset", "synthetic", "--partition", "natural"];

    private static string OneErrorLine(int code, string stdout, string stderr)
    {
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        return line;
    }

    [Theory]
    [InlineData("simulate", "sim", "`totoro` commands: sim, sweep, node, app, deploy, experiment")]
    [InlineData("expirement", "experiment", "`totoro` commands: sim, sweep, node, app, deploy, experiment")]
    [InlineData("app sumbit", "submit", "`totoro app` commands: submit, list, watch")]
    public void An_unknown_command_is_named_with_the_closest_one_and_the_choices(string words, string closest, string listed)
    {
        string[] args = words.Split(' ');
        (int code, string stdout, string stderr) = TotoroProcess.Run(args);
        string line = OneErrorLine(code, stdout, stderr);
        Assert.Contains($"unknown command '{args[^1]}'", line);
        Assert.Contains($"did you mean '{closest}'?", line);
        Assert.Contains(listed, line);
    }

    [Theory]
    [InlineData("submit", "'app submit'")]
    [InlineData("run", "'experiment run'")]
    [InlineData("status", "'app status' or 'deploy status'")]
    public void A_verb_of_a_command_one_level_down_is_named_with_its_full_path(string verb, string meant)
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run(verb);
        string line = OneErrorLine(code, stdout, stderr);
        Assert.Contains($"unknown command '{verb}' (did you mean {meant}?)", line);
    }

    [Theory]
    [InlineData("sim --seed -1", "--seed: '-1' is not a whole number, 0 or more", "totoro sim")]
    [InlineData("sim --nodes 1e3", "--nodes: '1e3' is not a whole number", "totoro sim")]
    [InlineData("sim --uplink-mbps fast", "--uplink-mbps: 'fast' is not a number", "totoro sim")]
    [InlineData("experiment run x.yaml --jobs two", "--jobs: 'two' is not a whole number", "totoro experiment run")]
    public void A_value_of_the_wrong_type_is_said_in_words_not_as_a_dotnet_type(string words, string message, string command)
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run(words.Split(' '));
        string line = OneErrorLine(code, stdout, stderr);
        Assert.Equal($"error: {message} (see `{command} --help`)", line);
    }

    [SkippableFact]
    public void A_simulation_that_cannot_fit_in_memory_is_refused_at_once_with_the_arithmetic()
    {
        // 50 million nodes (the most --nodes takes) need about 56 GiB; the refusal comes before any node exists. The
        // estimate's arithmetic is tested against fixed machine sizes in Totoro.Sim.Tests (MemoryEstimateTests).
        var overlay = new Totoro.Sim.Scenarios.OverlaySimConfig { Nodes = 50_000_000 };
        bool fits = Totoro.Sim.Scenarios.MemoryEstimate.Refusal(overlay, null, Totoro.Sim.Scenarios.MemoryEstimate.MachineBytes()) is null;
        Skip.If(fits, "this machine has the memory for 50 million nodes, so nothing here is refused");

        (int code, string stdout, string stderr) = TotoroProcess.Run("sim", "--nodes", "50000000");
        string line = OneErrorLine(code, stdout, stderr);
        Assert.Matches(@"--nodes 50,000,000: this run needs about 50,000,000 nodes × [\d,]+ B \+ 100 MB fixed = [\d.]+ GiB, more than this machine's [\d.]+ GiB of memory; at most about [\d,]+ nodes fit", line);
    }

    [SkippableFact]
    public void A_training_run_whose_workers_cannot_fit_is_refused_though_its_trees_would()
    {
        // 10,000 apps × 100 synthetic workers each hold their own data: about 66 GiB, where the trees alone need 1.3 GiB.
        var overlay = new Totoro.Sim.Scenarios.OverlaySimConfig { Nodes = 20_000 };
        var training = new Totoro.Sim.Scenarios.LearningSimConfig { Apps = 10_000, Template = new Totoro.Core.Learning.AppSpec { Dataset = "synthetic" }, Train = "timing" };
        bool fits = Totoro.Sim.Scenarios.MemoryEstimate.Refusal(overlay, null, Totoro.Sim.Scenarios.MemoryEstimate.MachineBytes(), training) is null;
        Skip.If(fits, "this machine has the memory for a million synthetic workers, so nothing here is refused");

        (int code, string stdout, string stderr) = TotoroProcess.Run("sim", "--nodes", "20000", "--lookups", "0", "--apps", "10000", "--rounds", "1", "--train", "timing", "--dataset", "synthetic");
        string line = OneErrorLine(code, stdout, stderr);
        Assert.Matches(@"--nodes 20,000: this run needs about .* \+ 1,000,000 workers × 70,000 B \+ 100 MB fixed = [\d.]+ GiB, more than this machine's [\d.]+ GiB of memory; the apps' trees and workers alone need", line);
    }

    [Fact]
    public void A_word_close_to_no_command_gets_no_suggestion()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("xyzzy");
        string line = OneErrorLine(code, stdout, stderr);
        Assert.Contains("unknown command 'xyzzy'", line);
        Assert.DoesNotContain("did you mean", line);
    }

    [Fact]
    public void A_missing_command_lists_the_choices()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("app");
        Assert.Contains("`totoro app` needs a command: submit, list, watch", OneErrorLine(code, stdout, stderr));
    }

    [Theory]
    [InlineData("app submit --via 127.0.0.1:7000", "totoro app submit")]
    [InlineData("app list", "totoro app list")]
    [InlineData("app watch --via 127.0.0.1:7000", "totoro app watch")]
    [InlineData("experiment run", "totoro experiment run")]
    public void Errors_point_at_a_help_page_that_exists(string words, string command)
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run(words.Split(' '));
        string line = OneErrorLine(code, stdout, stderr);
        Match pointer = HelpPointer().Match(line);
        Assert.True(pointer.Success, line);
        Assert.Equal($"{command} --help", pointer.Groups[1].Value);

        // The page it names is there: the same words with --help print that command's usage.
        (int helpCode, string help, _) = TotoroProcess.Run([.. command.Split(' ').Skip(1), "--help"]);
        Assert.Equal(0, helpCode);
        Assert.Contains($"Usage:\n  {command} ", help.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Fanout_help_shows_no_default_the_option_refuses()
    {
        (_, string help, _) = TotoroProcess.Run("sim", "--help");
        string line = Assert.Single(help.Split('\n'), l => l.TrimStart().StartsWith("--fanout", StringComparison.Ordinal));
        Assert.DoesNotContain("[default: 0]", line);
        Assert.Contains("2^b", line);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("256")]
    public void A_fanout_out_of_range_is_refused_with_or_without_apps(string fanout)
    {
        foreach (string[] apps in new[] { Array.Empty<string>(), ["--apps", "1", "--subscribers-per-app", "10"] })
        {
            (int code, string stdout, string stderr) = TotoroProcess.Run(["sim", "--nodes", "50", "--lookups", "10", "--fanout", fanout, .. apps]);
            string line = OneErrorLine(code, stdout, stderr);
            Assert.Contains($"--fanout must be from 1 to 255 (got {fanout})", line);
        }
    }

    [Theory]
    [InlineData(null, 16)]
    [InlineData("4", 4)]
    public void The_fanout_is_the_one_given_or_two_to_the_b(string? fanout, int expected)
    {
        string[] args = ["sim", "--nodes", "120", "--lookups", "0", "--apps", "1", "--subscribers-per-app", "20", "--json"];
        (int code, string stdout, string stderr) = TotoroProcess.Run(fanout is null ? args : [.. args, "--fanout", fanout]);
        Assert.True(code == 0, stderr);
        Assert.Equal(expected, (int)JsonNode.Parse(stdout)!["forest"]!["fanout"]!);
    }

    [Fact]
    public void Lookups_with_rounds_is_a_usage_error_that_says_why()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run(["sim", "--nodes", "50", "--lookups", "100", .. Training]);
        string line = OneErrorLine(code, stdout, stderr);
        Assert.Contains("--lookups", line);
        Assert.Contains("--rounds", line);
        Assert.Contains("--churn", line);
    }

    [Fact]
    public void A_training_run_prints_no_empty_lookup_lines()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run(["sim", "--nodes", "60", .. Training]);
        Assert.True(code == 0, stderr);
        Assert.Contains("Training  totoro", stdout);
        Assert.DoesNotContain("Lookups ", stdout);
        Assert.DoesNotContain("Hops ", stdout);
        Assert.DoesNotContain("Latency ", stdout);
    }

    [Fact]
    public void A_lookup_run_still_prints_its_lookups()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("sim", "--nodes", "60", "--lookups", "40");
        Assert.True(code == 0, stderr);
        Assert.Contains("Lookups   40/40 delivered, 40 correct", stdout);
        Assert.Contains("Hops      mean ", stdout);
    }

    [Fact]
    public void Clients_per_round_above_the_workers_is_a_usage_error_with_the_numbers()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run(["sim", "--nodes", "50", "--lookups", "0", .. Training, "--clients-per-round", "11"]);
        Assert.Contains("--clients-per-round 11 is more than the 10 workers (--subscribers-per-app)", OneErrorLine(code, stdout, stderr));

        // Checked before any node is asked.
        (code, stdout, stderr) = TotoroProcess.Run("app", "submit", "--via", "127.0.0.1:9", "--name", "a", "--workers", "4", "--clients-per-round", "5");
        Assert.Contains("--clients-per-round 5 is more than the 4 workers (--workers)", OneErrorLine(code, stdout, stderr));
    }

    [Fact]
    public void Clients_per_round_equal_to_the_workers_trains()
    {
        (int code, _, string stderr) = TotoroProcess.Run(["sim", "--nodes", "50", "--lookups", "0", .. Training, "--clients-per-round", "10"]);
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public void A_host_name_that_does_not_resolve_is_one_line()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("app", "list", "--via", "no-such-host.invalid:7000");
        Assert.Contains("--via: cannot resolve host 'no-such-host.invalid'", OneErrorLine(code, stdout, stderr));
    }

    [Theory]
    [InlineData("--via", "localhost:7000", false, "127.0.0.1:7000")]
    [InlineData("--listen", "localhost:0", true, "127.0.0.1:0")]
    [InlineData("--bootstrap", "LocalHost:7001", false, "127.0.0.1:7001")]
    [InlineData("--via", "10.1.2.3:7000", false, "10.1.2.3:7000")]
    public void Every_endpoint_option_reads_host_and_port_alike(string option, string text, bool portZero, string expected) =>
        Assert.Equal(IPEndPoint.Parse(expected), EndpointArgument.Parse(option, text, portZero));

    [SkippableFact]
    public void A_host_name_resolves_to_its_ipv4_address()
    {
        string name = Dns.GetHostName();
        IPAddress? expected = Dns.GetHostAddresses(name).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        Skip.If(expected is null, $"this machine's own name ({name}) has no IPv4 address: nothing to compare with");
        Assert.Equal(new IPEndPoint(expected, 7000), EndpointArgument.Parse("--via", $"{name}:7000"));
        Assert.Equal(new IPEndPoint(expected, 0), EndpointArgument.Parse("--listen", $"{name}:0", allowPortZero: true));
    }

    [Theory]
    [InlineData("localhost", "is not HOST:PORT")]
    [InlineData("localhost:", "the port must be")]
    [InlineData("localhost:70000", "the port must be")]
    [InlineData("localhost:0", "needs a port from 1 to 65535")]
    [InlineData("[::1]:7000", "is not HOST:PORT")]
    public void A_malformed_endpoint_says_the_form(string text, string message)
    {
        UsageException error = Assert.Throws<UsageException>(() => EndpointArgument.Parse("--via", text));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Via_localhost_reaches_a_node_listening_on_localhost()
    {
        using var nodes = new NodeProcesses();
        int port = TestPorts.Udp();
        nodes.Start(new IPEndPoint(IPAddress.Loopback, port), logicalNodes: 1, bootstrap: null);
        using (var client = new ControlClient())
            nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(30));
        (int code, _, string stderr) = TotoroProcess.Run("app", "list", "--via", $"localhost:{port}");
        Assert.True(code == 0, stderr);
    }

    [GeneratedRegex("\\(see `([^`]+)`\\)$")]
    private static partial Regex HelpPointer();
}
