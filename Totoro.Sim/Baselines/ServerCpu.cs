namespace Totoro.Sim.Baselines;

/// <summary>
/// A server's cores as a first-come-first-served queue: a task submitted at time t starts when the earliest free
/// core frees (or at t) and holds that core for its cost. Tasks are submitted in time order (the run's events are),
/// so this is exact FCFS with c servers. Busy time is kept for utilisation.
/// </summary>
public sealed class ServerCpu
{
    private readonly long[] _freeAt;

    public ServerCpu(int cores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        _freeAt = new long[cores];
    }

    /// <summary>Total core time spent on tasks.</summary>
    public long BusyMicros { get; private set; }

    /// <summary>Runs a task of <paramref name="costMicros"/> submitted at <paramref name="now"/>; returns when it finishes.</summary>
    public long Submit(long now, long costMicros)
    {
        int core = 0;
        for (int i = 1; i < _freeAt.Length; i++)
        {
            if (_freeAt[i] < _freeAt[core])
                core = i;
        }

        long finish = Math.Max(now, _freeAt[core]) + costMicros;
        _freeAt[core] = finish;
        BusyMicros += costMicros;
        return finish;
    }
}
