using System.Net;
using System.Text.Json;
using Totoro.Core.Learning;
using Totoro.Net.Control;
using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>A TorchSharp CNN in real mode: `totoro node` processes on loopback train it and end with the simulator's model.</summary>
public class TorchRealModeTests(ITestOutputHelper output)
{
    static TorchRealModeTests() => Totoro.Torch.TorchModels.Register();

    [SkippableFact]
    public void Three_processes_train_the_cnn_on_fashion_mnist_and_end_with_the_simulators_model()
    {
        Needs.FashionMnist();

        var spec = new AppSpec { Name = "real-cnn", Model = "cnn", Workers = 9, Rounds = 2, ClientsPerRound = 6, TrainSamples = 900, TestSamples = 500, BatchSize = 20, LearningRate = 0.05f };
        const ulong seed = 4;
        using var nodes = new NodeProcesses();
        string[] timers = ["--ping-period-ms", "5000"]; // training loads the CPU: a busy host must not look dead
        IPEndPoint first = nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 4, null, null, timers);
        for (int h = 1; h < 3; h++)
            nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 4, first, null, timers);
        using (var client = new ControlClient(IPAddress.Loopback))
            Assert.Equal(12, nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(40)).Distinct().Count());

        var submit = TotoroProcess.Run("app", "submit", "--via", nodes.Endpoints[1].ToString(), "--name", spec.Name, "--model", "cnn",
            "--workers", "9", "--rounds", "2", "--clients-per-round", "6", "--train-samples", "900", "--test-samples", "500",
            "--batch-size", "20", "--learning-rate", "0.05", "--seed", "4", "--round-deadline-ms", "120000");
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());
        var watch = TotoroProcess.Run("app", "watch", "--via", nodes.Endpoints[2].ToString(), spec.Name, "--json", "--timeout", "150");
        Assert.True(watch.ExitCode == 0, watch.Stdout + watch.Stderr + nodes.Logs());
        AppStatus status = JsonSerializer.Deserialize<AppStatus>(watch.Stdout.Trim().Split('\n')[^1], ControlJson.Options)!;
        output.WriteLine($"real mode: round {status.Round}, accuracy {status.Accuracy:P1}, {status.Contributions} contributions");
        Assert.True(status.Finished);
        Assert.Equal(2, status.Round);
        Assert.Equal(6, status.Contributions);

        float[] simulated = RealModeTests.SimulatedModel(spec with { RoundDeadlineMs = 120_000 }, seed);
        Assert.Equal(simulated.Length, status.Model!.Length);
        double maxDiff = simulated.Zip(status.Model).Max(p => Math.Abs(p.First - p.Second));
        output.WriteLine($"max |real - simulated| over {simulated.Length:N0} parameters: {maxDiff:E2}");
        Assert.True(maxDiff <= 1e-4, $"real and simulated models differ by {maxDiff}");
    }
}
