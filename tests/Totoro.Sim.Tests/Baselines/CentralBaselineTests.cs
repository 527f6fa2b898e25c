using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Sim.Baselines;
using Totoro.Sim.Devices;
using Totoro.Sim.Network;

namespace Totoro.Sim.Tests.Baselines;

/// <summary>
/// The central baselines built from resources, against closed forms on tiny worlds: one worker per app, every link
/// the same speed, one fixed latency, every device the same speed, so a round's parts have known durations.
/// </summary>
public sealed class CentralBaselineTests
{
    private const long LatencyMicros = 1_000;
    private const double Mbps = 100;
    private const int Rounds = 5;

    /// <summary>CPU-heavy, network-light: 200 ms to start a round, 100 ms to close it, aggregation nearly free.</summary>
    private static CentralShape Shape(int cores) => new("test", cores, 0, Mbps, 200, 0, 0, 1e6, 1e6, 100);

    [Fact]
    public void The_cpu_serves_tasks_first_come_first_served_on_its_cores()
    {
        var one = new ServerCpu(1);
        Assert.Equal([100, 200, 300], new[] { one.Submit(0, 100), one.Submit(0, 100), one.Submit(0, 100) });
        Assert.Equal(1_000 + 50, one.Submit(1_000, 50)); // idle by then: starts at once
        var two = new ServerCpu(2);
        Assert.Equal([100, 100, 200, 200, 300], Enumerable.Range(0, 5).Select(_ => two.Submit(0, 100)).ToArray());
        Assert.Equal(350, one.BusyMicros);
    }

    [Fact]
    public void One_app_pays_every_part_of_its_round_once()
    {
        (long total, World w) = Run(apps: 1, Shape(1));
        // set-up, model down (server uplink, latency, worker downlink), training, update up, aggregation, close.
        long round = w.Setup + w.Transfer + w.Training + w.UpTransfer + w.Aggregate + w.Close;
        Assert.Equal(Rounds * round, total);
    }

    [Fact]
    public void Apps_queue_for_one_core_so_their_total_grows_with_their_number()
    {
        const int apps = 4;
        (long single, World w) = Run(1, Shape(1));
        (long shared, _) = Run(apps, Shape(1));
        long cpu = w.Setup + w.Aggregate + w.Close; // a round's CPU work
        long elsewhere = w.Transfer + w.UpTransfer + w.Training; // a round's time off the server
        Assert.True((apps - 1) * cpu > elsewhere, "the case must saturate the core");

        // Saturated, the core is never idle until the last apps' final rounds: the total is all apps' CPU work plus
        // at most the time a round spends off the server per app (a little more for the NIC they share).
        long work = (long)apps * Rounds * cpu;
        Assert.InRange(shared, work, work + (apps * (elsewhere + (2 * w.Transfer))));
        double predicted = (double)work / single;
        Assert.InRange((double)shared / single, predicted * 0.95, predicted * 1.1);
    }

    [Fact]
    public void With_a_core_per_app_nothing_queues_and_apps_take_what_one_takes()
    {
        const int apps = 4;
        (long single, World w) = Run(1, Shape(1));
        (long parallel, _) = Run(apps, Shape(apps));
        // Only the server's NIC is shared: each model and update waits at most for the other apps' copies.
        Assert.InRange(parallel, single, single + (Rounds * 2 * apps * w.Transfer));
    }

    [Fact]
    public void The_same_world_gives_the_same_times()
    {
        Assert.Equal(Run(3, CentralShape.OpenFl).Total, Run(3, CentralShape.OpenFl).Total);
        Assert.NotEqual(Run(3, CentralShape.OpenFl).Total, Run(3, CentralShape.FedScale).Total);
    }

    private sealed record World(long Setup, long Aggregate, long Close, long Transfer, long UpTransfer, long Training);

    /// <summary>Apps of one worker each on node a + 1; the server is node 0. Returns the time the last round closed.</summary>
    private static (long Total, World World) Run(int apps, CentralShape shape)
    {
        var links = new LinkModel(new FixedLatency(), apps + 1, new NetworkOptions(), seed: 1);
        for (int n = 0; n <= apps; n++)
            links.SetSpeeds(n, Mbps, Mbps);
        var devices = new DeviceModel(apps + 1, (2, 2), seed: 1);
        var cache = new DatasetCache();
        var spec = new AppSpec { Dataset = "synthetic", Workers = 1, ClientsPerRound = 0, Rounds = Rounds, TestSamples = 50 };
        var direct = new List<DirectApp>();
        FederatedWorkload? first = null;
        for (int a = 0; a < apps; a++)
        {
            FederatedWorkload workload = FederatedWorkload.Load(spec with { Name = $"app-{a}" }, 7, cache);
            first ??= workload;
            direct.Add(new DirectApp($"app-{a}", 0, [a + 1], workload, new FederatedMaster(workload, 7, timing: true), 7));
        }

        long total = new DirectFederatedRun(links, devices, direct, shape).Run(0, long.MaxValue);
        Assert.All(direct, d => Assert.Equal(Rounds, d.Master.CompletedRounds));
        // The model goes down; the update (the model's size plus the worker's report) comes up.
        Payload model = new FederatedMaster(first!, 7, timing: true).RoundPayload([0]);
        int up = FederatedWorker.Train(first!, 0, 1, model, 7, 0).Bytes;
        long OneWay(int bytes) => (2 * (long)Math.Ceiling((bytes + LinkModel.WireOverheadBytes) / (Mbps / 8))) + LatencyMicros;
        var world = new World(shape.SetupMicros(1, model.Bytes), shape.AggregateMicros(up), shape.CloseMicros(model.Bytes), OneWay(model.Bytes), OneWay(up), devices.ComputeMicros(1, FederatedWorker.TrainingFlops(first!, 0)));
        return (total, world);
    }

    private sealed class FixedLatency : ITopology
    {
        public string Name => "fixed";

        public int BytesPerNode => 0;

        public void Place(int index, ref ulong random)
        {
        }

        public long OneWayMicros(int from, int to) => LatencyMicros;
    }
}
