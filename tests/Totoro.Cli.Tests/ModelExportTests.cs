using System.Net;
using Totoro.Net.Control;

namespace Totoro.Cli.Tests;

/// <summary>`totoro app model` of a model bigger than one chunk: through the overlay in chunks, to the client in parts.</summary>
public class ModelExportTests
{
    [Fact]
    public void A_model_of_three_parts_is_exported_whole_through_every_host()
    {
        using var nodes = new NodeProcesses();
        IPEndPoint first = nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 2, null, null, ["--ping-period-ms", "1000"]);
        IPEndPoint second = nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 2, first, null, ["--ping-period-ms", "1000"]);
        using (var client = new ControlClient(IPAddress.Loopback))
            nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(20));

        // The synthetic data have 60 features and 10 classes: an mlp of 2,000 hidden units has 60·2000 + 2000 + 2000·10 + 10
        // parameters, three parts of a chunk each, so the master's model crosses the overlay in chunks to a host that is not its own.
        const int hidden = 2000, parameters = (60 * hidden) + hidden + (hidden * 10) + 10;
        Assert.Equal(3, ModelParts.CountOf(parameters));
        var submit = TotoroProcess.Run("app", "submit", "--via", first.ToString(), "--name", "wide", "--dataset", "synthetic", "--model", "mlp",
            "--hidden-units", hidden.ToString(System.Globalization.CultureInfo.InvariantCulture), "--workers", "4", "--rounds", "2", "--clients-per-round", "4", "--start-after", "2");
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());
        var watch = TotoroProcess.Run("app", "watch", "--via", first.ToString(), "wide", "--timeout", "120");
        Assert.True(watch.ExitCode == 0, watch.Stdout + watch.Stderr + nodes.Logs());

        string folder = Directory.CreateTempSubdirectory("totoro-model-").FullName;
        var read = new List<ModelFile>();
        foreach (IPEndPoint via in new[] { first, second })
        {
            string file = Path.Combine(folder, $"{via.Port}.bin");
            // A host whose route to the app's root still ends elsewhere answers "no model ... (unknown)": asked again for
            // up to 20 s (CI once saw the second host's route miss the master right after training).
            var model = TotoroProcess.Run("app", "model", "--via", via.ToString(), "wide", "--out", file);
            for (DateTime until = DateTime.UtcNow.AddSeconds(20); model.ExitCode != 0 && model.Stderr.Contains("unknown", StringComparison.Ordinal) && DateTime.UtcNow < until; Thread.Sleep(500))
                model = TotoroProcess.Run("app", "model", "--via", via.ToString(), "wide", "--out", file);
            Assert.True(model.ExitCode == 0, model.Stderr + nodes.Logs());
            read.Add(ModelFile.Read(file));
        }

        Assert.All(read, m => Assert.Equal(("wide", 2, parameters), (m.Name, m.Round, m.Parameters.Length)));
        Assert.Equal(read[0].Parameters, read[1].Parameters);
        Assert.Contains(read[0].Parameters[^ModelParts.PartFloats..], x => x != 0); // the last part is the model's, not a zero-filled gap
    }
}
