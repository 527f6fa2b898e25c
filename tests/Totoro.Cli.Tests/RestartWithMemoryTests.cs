using System.Diagnostics;
using System.Net;
using Totoro.Net.Control;
using Xunit.Abstractions;

namespace Totoro.Cli.Tests;

/// <summary>
/// Restart with memory: every host of a small deployment stops mid-training and starts again with the same
/// --data-dir; the app resumes from the state its nodes kept there, instead of being forgotten or starting afresh.
/// </summary>
public class RestartWithMemoryTests(ITestOutputHelper output)
{
    private static readonly string[] Timers = ["--ping-period-ms", "1000"];

    private static readonly string[] App =
    [
        "--model", "logreg", "--dataset", "synthetic", "--workers", "6", "--train-samples", "6000", "--rounds", "30", "--clients-per-round", "0",
        "--local-epochs", "30", "--start-after", "3", "--round-deadline-ms", "4000", "--seed", "7",
    ];

    [Fact]
    public void An_app_resumes_from_its_kept_state_after_every_host_stopped_and_started_again()
    {
        string data = Directory.CreateTempSubdirectory("totoro-restart-").FullName;
        IPEndPoint[] endpoints = [.. Enumerable.Range(0, 3).Select(_ => new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()))];
        using var client = new ControlClient(IPAddress.Loopback);
        int before;
        string firstLogs;
        using (NodeProcesses nodes = StartAll(endpoints, data))
        {
            nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(30));
            var submit = TotoroProcess.Run(["app", "submit", "--via", endpoints[1].ToString(), "--name", "kept", "--key", Path.Combine(data, "creator.key"), .. App]);
            Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());
            AppStatus status = WaitFor(client, endpoints, s => s.Round >= 5, TimeSpan.FromSeconds(90), nodes.Logs);
            before = status.Round;
            Assert.False(status.Finished, "the app finished before the hosts were stopped: the test tried nothing");
            firstLogs = nodes.Logs();
        } // every host stops (SIGTERM) at once

        output.WriteLine($"all hosts stopped after round {before}; starting them again with the same --data-dir");
        using (NodeProcesses again = StartAll(endpoints, data))
        {
            again.WaitUntilJoined(client, TimeSpan.FromSeconds(30));
            AppStatus resumed = WaitFor(client, endpoints, s => s.Known && s.Started, TimeSpan.FromSeconds(60), again.Logs);
            output.WriteLine($"after the restart the app answers at round {resumed.Round}");
            Assert.True(resumed.Round >= before - 1, $"the app came back at round {resumed.Round}, not from its kept round {before}\n{again.Logs()}");
            AppStatus done = WaitFor(client, endpoints, s => s.Finished, TimeSpan.FromSeconds(120), again.Logs);
            string logs = again.Logs();
            Assert.Equal(30, done.Round);
            Assert.Contains("came back with the state of", logs);
            Assert.DoesNotContain("starts round 1", logs); // resumed, never begun afresh
            Assert.DoesNotContain("WITHOUT its model", logs);
            output.WriteLine($"finished: round {done.Round}, accuracy {done.Accuracy:F4}");
            Assert.Contains("starts round 1", firstLogs);
        }
    }

    private static NodeProcesses StartAll(IPEndPoint[] endpoints, string data)
    {
        var nodes = new NodeProcesses();
        for (int h = 0; h < endpoints.Length; h++)
            nodes.Start(endpoints[h], 2, h == 0 ? null : endpoints[0], null, [.. Timers, "--data-dir", Path.Combine(data, $"h{h}")]);
        return nodes;
    }

    private static AppStatus WaitFor(ControlClient client, IPEndPoint[] endpoints, Func<AppStatus, bool> done, TimeSpan timeout, Func<string> logs)
    {
        var clock = Stopwatch.StartNew();
        AppStatus? last = null;
        int i = 0;
        while (clock.Elapsed < timeout)
        {
            last = client.Ask(endpoints[i++ % endpoints.Length], new ControlRequest(0, "status") { Name = "kept" }, TimeSpan.FromSeconds(5))?.Status ?? last;
            if (last is not null && done(last))
                return last;
            Thread.Sleep(200);
        }

        Assert.Fail($"timed out after {timeout.TotalSeconds} s (last status: round {last?.Round}, known {last?.Known}, finished {last?.Finished})\n{logs()}");
        return last!;
    }
}
