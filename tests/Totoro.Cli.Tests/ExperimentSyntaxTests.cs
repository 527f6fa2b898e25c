using Totoro.Cli.Experiments;

namespace Totoro.Cli.Tests;

/// <summary>Issue 18: an experiment file that is not valid YAML is one line naming the file, line and column.</summary>
public sealed class ExperimentSyntaxTests : IDisposable
{
    private const string Head = "name: t\ntitle: t\nkind: overlay\nseeds: [1]\n";
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "totoro-yaml-" + Guid.NewGuid().ToString("N"));

    public ExperimentSyntaxTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void An_unfinished_flow_sequence_is_one_line_with_file_line_and_column()
    {
        // What a fresh clone saw: YamlDotNet's scanner throws InvalidOperationException (no position) here.
        string file = Write("bad.yaml", Head + "sweep:\n  nodes: [500, 1000\nplots: []\n");
        (int code, string stdout, string stderr) = TotoroProcess.Run("experiment", "run", file, "--out", Path.Combine(_temp, "never"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: {file} line 7, column 1: not valid YAML: the '[' at line 6, column 10 is never closed", line);
        Assert.False(Directory.Exists(Path.Combine(_temp, "never")));
    }

    [Fact]
    public void A_flow_sequence_the_file_ends_inside_names_where_it_opened()
    {
        string file = Write("eof.yaml", Head + "sweep:\n  nodes: [500, 1000\n");
        UsageException error = Assert.Throws<UsageException>(() => ExperimentLoader.Load(file, ExperimentLoader.Form.Full));
        Assert.StartsWith($"{file} line 7, column 1: not valid YAML: ", error.Message);
        Assert.EndsWith("(in the '[' opened at line 6, column 10)", error.Message);
    }

    [Theory]
    [InlineData("sweep:\n  nodes: [500, 1000\n", "line 7, column 1")]
    [InlineData("parameters: {b: 4, leafSet: 24\nplots: []\n", "line 6, column 1")]
    [InlineData("parameters:\n  b: [4, {x: 1}\nplots: []\n", "line 7, column 1")]
    [InlineData("name: u\n", "line 5, column 1")]
    [InlineData("description: *nowhere\n", "line 5, column 14")]
    [InlineData("parameters:\n  b: \"4\n", "line 6")]
    [InlineData("parameters:\n\t- b\n", "line 6, column 1")]
    [InlineData("sweep:\n  nodes: [1, 2]]\n", "line 6")]
    [InlineData("plots:\n  - file: a.png\n   x: nodes\n", "line 7")]
    public void Every_syntax_error_names_the_line_and_column(string tail, string where)
    {
        string file = Write("x.yaml", Head + tail);
        UsageException error = Assert.Throws<UsageException>(() => ExperimentLoader.Load(file, ExperimentLoader.Form.Full));
        Assert.StartsWith($"{file} {where}", error.Message);
        Assert.Contains(", column ", error.Message);
        Assert.Contains("not valid YAML", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    private string Write(string name, string yaml)
    {
        string path = Path.Combine(_temp, name);
        File.WriteAllText(path, yaml);
        return path;
    }
}
