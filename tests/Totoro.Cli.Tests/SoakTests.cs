using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>
/// The chaos soak's short form, as CI runs it (`totoro soak --short`): six namespaces of four nodes each, 2% loss and
/// 10 ms delay, two apps at a time, kill -9 and restart, graceful leaves and a cut namespace for 2.5 minutes. It passes
/// only if every app finished, no model was lost and at least 99.9% of lookups were correct.
/// </summary>
[Collection(NamespaceCollection.Name)]
public class SoakTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void The_short_soak_loses_no_app_no_model_and_no_lookup()
    {
        Needs.Component(Soak.SoakNetwork.Unavailable());

        string outDir = Directory.CreateTempSubdirectory("totoro-soak-").FullName;
        var run = TotoroProcess.Run("soak", "--short", "--out", outDir, "--seed", "5");
        output.WriteLine(run.Stdout);
        string events = File.Exists(Path.Combine(outDir, "soak-events.txt")) ? File.ReadAllText(Path.Combine(outDir, "soak-events.txt")) : "(no events file)";
        Assert.True(run.ExitCode == 0, $"{run.Stdout}\n{run.Stderr}\n{events}");
        Assert.Contains("soak PASSED", run.Stdout);
        foreach (string file in new[] { "soak.csv", "soak-hosts.csv", "soak-summary.json", "soak.png", "soak-hosts.png" })
            Assert.True(File.Exists(Path.Combine(outDir, file)), $"the soak wrote no {file}");
    }
}
