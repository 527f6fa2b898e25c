using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Baselines;

/// <summary>
/// The central shape's keep-alive load, simulated: one server, and every worker keeps one session per app it works
/// for (each FL job its own session with the coordinator, as OpenFL's and FedScale's jobs are), pinging the server
/// once a period; the server answers each ping. Same link model, same message size as one tree's keep-alive.
/// </summary>
public sealed class CentralKeepAliveRun
{
    private const int PingTimer = 1;
    private readonly SimWorld _world;
    private readonly int _server;
    private readonly long _period;

    /// <param name="sessions">Per worker (index = node), the apps it works for.</param>
    public CentralKeepAliveRun(IReadOnlyList<List<NodeId>> sessions, NetworkOptions network, long periodMicros, ulong seed)
    {
        _period = periodMicros;
        _server = sessions.Count;
        _world = new SimWorld(sessions.Count + 1, new FlatTopology(sessions.Count + 1), network, SplitMix64.Derive(seed, 0xce27a1));
        for (int i = 0; i <= sessions.Count; i++)
        {
            int index = _world.AddNode(NodeId.FromRandom((ulong)i, seed));
            _world.Attach(index, i == _server ? new Server(_world) : new Worker(_world, sessions[i], new PeerHandle(_server), periodMicros));
        }

        for (int i = 0; i < sessions.Count; i++)
        {
            _world.Enter(i);
            for (int s = 0; s < sessions[i].Count; s++)
                _world.SetTimer(1 + (long)(_world.NextRandom() % (ulong)periodMicros), PingTimer, s); // sessions start out of phase
        }
    }

    /// <summary>Runs one warm-up period, then counts for <paramref name="windowMicros"/>: bytes a second of the server and of each worker.</summary>
    public (double ServerBytesPerSecond, double ServerMessagesPerSecond, Distribution WorkerBytesPerSecond) Measure(long windowMicros)
    {
        _world.RunUntil(_world.Now + _period);
        _world.ResetPerNodeTraffic();
        long sent = _world.MessagesSent;
        _world.RunUntil(_world.Now + windowMicros);
        double seconds = windowMicros / 1e6;
        var workers = new double[_server];
        for (int i = 0; i < workers.Length; i++)
            workers[i] = _world.TrafficBytes(i) / seconds;
        return (_world.TrafficBytes(_server) / seconds, (_world.MessagesSent - sent) / seconds, ForestScenario.Summarize(workers));
    }

    private sealed class Worker(SimWorld world, List<NodeId> apps, PeerHandle server, long period) : INodeProgram
    {
        public void Receive(PeerHandle from, in Message message)
        {
            // the server's answer: the session is alive
        }

        public void OnTimer(int timer, long argument)
        {
            world.Send(server, TreeMessages.Heartbeat(apps[(int)argument], 0, detached: false, parents: null));
            world.SetTimer(period, PingTimer, argument);
        }
    }

    private sealed class Server(SimWorld world) : INodeProgram
    {
        public void Receive(PeerHandle from, in Message message) => world.Send(from, message);

        public void OnTimer(int timer, long argument)
        {
        }
    }
}
