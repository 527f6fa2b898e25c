namespace Totoro.Net.Deploy;

/// <summary>
/// Runs one step over many hosts on <c>parallelism</c> dedicated threads. The steps block on SSH and UDP round trips;
/// Parallel.For on the thread pool would start with one thread per core and add more only slowly (on 2 cores, 50 hosts
/// were started one every 3 s instead of 8 at a time).
/// </summary>
public static class HostWorkers
{
    public static void Run(int count, int parallelism, Action<int> body)
        => Run<object?>(count, parallelism, () => null, (i, _) => body(i), _ => { });

    /// <summary>As <see cref="Run(int, int, Action{int})"/>, each worker with its own state (made by <paramref name="init"/>, ended by <paramref name="done"/>).</summary>
    public static void Run<T>(int count, int parallelism, Func<T> init, Action<int, T> body, Action<T> done)
    {
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(done);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        int next = -1;
        Exception? failure = null;
        var threads = new Thread[Math.Min(parallelism, count)];
        for (int w = 0; w < threads.Length; w++)
        {
            threads[w] = new Thread(() =>
            {
                T state = init();
                try
                {
                    for (int i = Interlocked.Increment(ref next); i < count && Volatile.Read(ref failure) is null; i = Interlocked.Increment(ref next))
                        body(i, state);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref failure, ex, null); // the first one is rethrown on the caller's thread
                }
                finally
                {
                    done(state);
                }
            })
            { IsBackground = true, Name = $"deploy-worker-{w}" };
            threads[w].Start();
        }

        foreach (Thread thread in threads)
            thread.Join();
        if (failure is not null)
            throw new AggregateException(failure);
    }
}
