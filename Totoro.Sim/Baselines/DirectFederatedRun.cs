using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Sim.Devices;
using Totoro.Sim.Network;

namespace Totoro.Sim.Baselines;

/// <summary>
/// FL without a tree, in the same world as Totoro (the same links, devices, workers, data and master logic): a
/// server sends the model straight to each participant and every participant sends its update straight back.
/// <list type="bullet">
/// <item>`central` (the OpenFL/FedScale shape): every app shares one coordinator with data-centre links, which
/// serves apps' rounds first come, first served: one app's round at a time, the others queue.</item>
/// <item>`star`: each app has its own server at an edge node; apps run at once, but each server's own uplink
/// carries every participant's model.</item>
/// <item>`openfl`, `fedscale` (a <see cref="CentralShape"/>): one server with a NIC and CPU cores; each round is a
/// set-up task, one aggregation task per update and a close task, all apps' tasks served first come, first served
/// (<see cref="ServerCpu"/>), while workers train in parallel on their own devices.</item>
/// </list>
/// Transfers are charged to the link model in time order, so queueing on a server's links is exact.
/// </summary>
public sealed class DirectFederatedRun
{
    private readonly LinkModel _links;
    private readonly DeviceModel _devices;
    private readonly IReadOnlyList<DirectApp> _apps;
    private readonly bool _sharedCoordinator;
    private readonly CentralShape? _shape;
    private readonly ServerCpu? _coordinator;
    private readonly ServerCpu? _aggregator;
    private readonly PriorityQueue<Event, (long Time, long Sequence)> _events = new();
    private readonly Queue<int> _waiting = new();
    private long _sequence;
    private bool _coordinatorBusy;

    public DirectFederatedRun(LinkModel links, DeviceModel devices, IReadOnlyList<DirectApp> apps, bool sharedCoordinator)
    {
        _links = links;
        _devices = devices;
        _apps = apps;
        _sharedCoordinator = sharedCoordinator;
    }

    /// <summary>Every app served by one server of the given shape (its NIC is the server node's links, set by the caller).</summary>
    public DirectFederatedRun(LinkModel links, DeviceModel devices, IReadOnlyList<DirectApp> apps, CentralShape shape)
        : this(links, devices, apps, sharedCoordinator: false)
    {
        _shape = shape;
        _coordinator = new ServerCpu(shape.CoordinatorCores);
        _aggregator = shape.AggregatorCores > 0 ? new ServerCpu(shape.AggregatorCores) : _coordinator;
    }

    /// <summary>Core time the server's CPU spent on tasks (0 without a shape).</summary>
    public long CpuBusyMicros => (_coordinator?.BusyMicros ?? 0) + (_aggregator != _coordinator ? _aggregator?.BusyMicros ?? 0 : 0);

    /// <summary>Runs every app to its end (or until <paramref name="limitMicros"/>); returns the time it stopped.</summary>
    public long Run(long start, long limitMicros, Action<long>? onRound = null)
    {
        foreach (DirectApp app in _apps)
            app.StartedAt = start;
        for (int a = 0; a < _apps.Count; a++)
            RequestRound(a, start);
        long now = start;
        while (_events.TryDequeue(out Event e, out var key) && key.Time <= limitMicros)
        {
            now = key.Time;
            Handle(e, now, onRound);
        }

        return now;
    }

    private void RequestRound(int app, long now)
    {
        if (_shape is not null)
        {
            // The round waits for its set-up task on the coordinator's queue, behind every other app's tasks.
            DirectApp a = _apps[app];
            Prepare(a, now);
            Schedule(_coordinator!.Submit(now, _shape.SetupMicros(a.Participants.Length, a.Pending!.Bytes)), new Event(EventKind.SetupDone, app, -1, a.Round));
            return;
        }

        if (!_sharedCoordinator)
        {
            BeginRound(app, now);
            return;
        }

        _waiting.Enqueue(app); // first come, first served
        if (!_coordinatorBusy)
            ServeNext(now);
    }

    private void ServeNext(long now)
    {
        if (_waiting.Count == 0)
            return;
        _coordinatorBusy = true;
        BeginRound(_waiting.Dequeue(), now);
    }

    private void BeginRound(int a, long now)
    {
        Prepare(_apps[a], now);
        Dispatch(a, now);
    }

    /// <summary>A new round: its participants, the model they will train from.</summary>
    private static void Prepare(DirectApp app, long now)
    {
        app.Round++;
        app.RoundStart = now;
        app.Closing = false;
        app.Participants = app.Master.SelectParticipants(app.Master.CompletedRounds + 1);
        app.Merged = null;
        app.Arrived = 0;
        app.Contributions = 0;
        app.Pending = app.Master.RoundPayload(app.Participants); // what the workers train from
    }

    /// <summary>Sends the round's model to every participant and arms the deadline.</summary>
    private void Dispatch(int a, long now)
    {
        DirectApp app = _apps[a];
        Payload model = app.Pending!;
        foreach (int worker in app.Participants)
        {
            long arrival = _links.Transmit(app.Server, app.Workers[worker], model.Bytes, now);
            if (arrival >= 0)
                Schedule(arrival, new Event(EventKind.ModelArrived, a, worker, app.Round));
        }

        if (app.Workload.Spec.RoundDeadlineMs > 0)
            Schedule(now + (app.Workload.Spec.RoundDeadlineMs * 1000L), new Event(EventKind.Deadline, a, -1, app.Round));
    }

    private void Handle(Event e, long now, Action<long>? onRound)
    {
        DirectApp app = _apps[e.App];
        if (e.Round != app.Round || app.RoundStart < 0)
            return; // an event of a round already closed
        switch (e.Kind)
        {
            case EventKind.ModelArrived:
                {
                    int node = app.Workers[e.Worker];
                    double flops = FederatedWorker.TrainingFlops(app.Workload, e.Worker);
                    long compute = _devices.ComputeMicros(node, flops);
                    Payload update = FederatedWorker.Train(app.Workload, e.Worker, app.Round, app.Pending!, app.Seed, compute / 1e6);
                    app.Updates[e.Worker] = update;
                    Schedule(now + compute, new Event(EventKind.UpdateReady, e.App, e.Worker, e.Round));
                    break;
                }

            case EventKind.UpdateReady:
                {
                    Payload update = app.Updates[e.Worker]!;
                    long arrival = _links.Transmit(app.Workers[e.Worker], app.Server, update.Bytes, now);
                    if (arrival >= 0)
                        Schedule(arrival, new Event(EventKind.UpdateArrived, e.App, e.Worker, e.Round));
                    break;
                }

            case EventKind.SetupDone:
                Dispatch(e.App, now);
                break;

            case EventKind.UpdateArrived when _shape is not null:
                Schedule(_aggregator!.Submit(now, _shape.AggregateMicros(app.Updates[e.Worker]!.Bytes)), e with { Kind = EventKind.Aggregated });
                break;

            case EventKind.UpdateArrived or EventKind.Aggregated:
                {
                    Payload update = app.Updates[e.Worker]!;
                    app.Updates[e.Worker] = null;
                    app.Merged = app.Merged is null ? update : ContributionMerge.Merge(app.Rule, app.Merged, update);
                    app.Contributions++;
                    if (++app.Arrived == app.Participants.Length)
                        Close(e.App, now, onRound);
                    break;
                }

            case EventKind.Deadline:
                Close(e.App, now, onRound);
                break;

            case EventKind.CloseDone:
                CloseRound(e.App, now, onRound);
                break;
        }
    }

    /// <summary>Closes the round now, or (with a shape) once its close task has had its turn on the coordinator.</summary>
    private void Close(int a, long now, Action<long>? onRound)
    {
        DirectApp app = _apps[a];
        if (_shape is null)
        {
            CloseRound(a, now, onRound);
            return;
        }

        if (app.Closing)
            return;
        app.Closing = true;
        Schedule(_coordinator!.Submit(now, _shape.CloseMicros(app.Pending!.Bytes)), new Event(EventKind.CloseDone, a, -1, app.Round));
    }

    private void CloseRound(int a, long now, Action<long>? onRound)
    {
        DirectApp app = _apps[a];
        app.Master.Complete(app.Merged ?? Payload.SizeOnly(0, 0), app.Contributions, app.Participants.Length, (app.RoundStart - app.StartedAt) / 1e6, (now - app.StartedAt) / 1e6);
        app.RoundStart = -1;
        Array.Clear(app.Updates);
        onRound?.Invoke(now);
        if (_shape is not null)
        {
            if (!app.Master.Finished)
                RequestRound(a, now);
        }
        else if (_sharedCoordinator)
        {
            _coordinatorBusy = false;
            if (!app.Master.Finished)
                _waiting.Enqueue(a);
            ServeNext(now);
        }
        else if (!app.Master.Finished)
        {
            BeginRound(a, now);
        }
    }

    private void Schedule(long time, Event e) => _events.Enqueue(e, (time, _sequence++));

    private enum EventKind : byte
    {
        ModelArrived,
        UpdateReady,
        UpdateArrived,
        Deadline,
        SetupDone,
        Aggregated,
        CloseDone,
    }

    private readonly record struct Event(EventKind Kind, int App, int Worker, int Round);
}

/// <summary>One app in a direct (tree-less) run: its server node, its workers' nodes, its data and master.</summary>
public sealed class DirectApp(string name, int server, int[] workers, FederatedWorkload workload, FederatedMaster master, ulong seed)
{
    public string Name { get; } = name;

    public int Server { get; } = server;

    /// <summary>Node index of worker i.</summary>
    public int[] Workers { get; } = workers;

    public FederatedWorkload Workload { get; } = workload;

    public FederatedMaster Master { get; } = master;

    public ulong Seed { get; } = seed;

    public IAggregationRule Rule { get; } = ServerRules.Merge(workload.Spec, workload.Model.ParameterCount);

    internal long StartedAt { get; set; }

    internal int Round { get; set; }

    internal long RoundStart { get; set; } = -1;

    /// <summary>The round's close task is queued (a deadline and the last update must not close it twice).</summary>
    internal bool Closing { get; set; }

    internal int[] Participants { get; set; } = [];

    internal Payload? Pending { get; set; }

    internal Payload? Merged { get; set; }

    internal int Arrived { get; set; }

    internal long Contributions { get; set; }

    internal Payload?[] Updates { get; } = new Payload?[workers.Length];
}
