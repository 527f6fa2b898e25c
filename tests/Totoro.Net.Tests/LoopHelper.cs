using System.Diagnostics;
using Totoro.Net.Hosting;

namespace Totoro.Net.Tests;

/// <summary>Reading and driving a host's protocol state from a test: on the host's event loop, whose state it is.</summary>
internal static class LoopHelper
{
    /// <summary>Runs <paramref name="action"/> on the host's event loop and waits for its result.</summary>
    public static T OnLoop<T>(NodeHost host, Func<T> action)
    {
        T result = default!;
        using var done = new ManualResetEventSlim();
        host.Post(() =>
        {
            try
            {
                result = action();
            }
            finally
            {
                done.Set();
            }
        });
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)), "the host's loop did not run the action");
        return result;
    }

    public static void OnLoop(NodeHost host, Action action) => OnLoop(host, () =>
    {
        action();
        return 0;
    });

    /// <summary>Polls <paramref name="condition"/> until it holds (true) or 20 s pass (false).</summary>
    public static bool Eventually(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (condition())
                return true;
            Thread.Sleep(100);
        }

        return false;
    }
}
