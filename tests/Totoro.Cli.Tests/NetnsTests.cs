using System.Net;
using Totoro.Net.Control;
using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>Ten hosts in ten network namespaces on one bridge, links with delay and 1% loss, run an FL app.</summary>
[Collection(NamespaceCollection.Name)]
public class NetnsTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Ten_namespaces_on_a_lossy_bridge_run_an_app_to_completion()
    {
        Needs.Component(NetnsBridge.Unavailable());

        using var bridge = new NetnsBridge();
        bool netem = bridge.Create(10, delayMs: 5, lossPercent: 1);
        // Without netem in the kernel, 1% loss is applied to every packet a host receives, inside its transport.
        string[] impair = netem ? [] : ["--impair-loss", "0.01"];
        if (!netem)
            output.WriteLine("tc netem is unavailable in this kernel: 1% loss is emulated in each host's transport (--impair-loss 0.01), with no added delay.");

        using var nodes = new NodeProcesses();
        var first = new IPEndPoint(bridge.AddressOf(0), 7000);
        for (int i = 0; i < 10; i++)
            nodes.Start(new IPEndPoint(bridge.AddressOf(i), 7000), 2, i == 0 ? null : first, bridge.Namespaces[i], ["--ping-period-ms", "1000", .. impair]);
        using (var client = new ControlClient())
        {
            List<Totoro.Core.Runtime.NodeId> ids = nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(45));
            Assert.Equal(20, ids.Distinct().Count());
            // The overlay has settled when lookups from every host reach the oracle's node (keep-alives repair
            // what concurrent joins left inconsistent).
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            var random = new Random(3);
            int agreed = 0;
            while (agreed < 5)
            {
                var key = Totoro.Core.Runtime.NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64());
                Totoro.Core.Runtime.NodeId expected = ids.Aggregate((a, b) => key.IsCloser(a, b) ? a : b);
                int wrong = nodes.Endpoints.Count(host => client.Ask(host, new ControlRequest(0, "lookup") { Key = key.ToString() }, TimeSpan.FromSeconds(4))?.Lookup is not { } r
                    || NodeProcesses.Parse(r.Node) != expected);
                if (wrong == 0)
                {
                    agreed++;
                    continue;
                }

                agreed = 0;
                Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"lookups still disagree with the oracle after 30 s ({wrong} of 10 hosts)\n{nodes.Logs()}");
                Thread.Sleep(500);
            }

            output.WriteLine($"lookups of 5 keys in a row from every host agree with the oracle {stopwatch.Elapsed.TotalSeconds:F1} s after the last join");
        }

        var submit = TotoroProcess.Run("app", "submit", "--via", nodes.Endpoints[4].ToString(), "--name", "netns-app", "--dataset", "synthetic",
            "--workers", "20", "--rounds", "3", "--clients-per-round", "8", "--seed", "2");
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());
        var watch = TotoroProcess.Run("app", "watch", "--via", nodes.Endpoints[7].ToString(), "netns-app", "--timeout", "45");
        output.WriteLine(watch.Stdout);
        Assert.True(watch.ExitCode == 0, watch.Stdout + watch.Stderr + nodes.Logs());
        Assert.Contains("round 3/3", watch.Stdout);
        Assert.Contains("finished", watch.Stdout);
    }
}
