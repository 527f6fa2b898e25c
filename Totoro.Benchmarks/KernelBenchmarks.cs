using BenchmarkDotNet.Attributes;
using Totoro.Sim.Kernel;

namespace Totoro.Benchmarks;

/// <summary>
/// The event kernel in steady state ("hold" model): with P events pending, take the earliest and schedule one
/// at a random later time. One operation = one dequeue + one schedule = one event processed.
/// </summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private const int Operations = 1_000_000;
    private EventQueue<SimEvent> _queue = null!;
    private long[] _delays = null!;

    [Params(1_000_000)]
    public int Pending { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _queue = new EventQueue<SimEvent>(Pending);
        for (int i = 0; i < Pending; i++)
            _queue.Schedule(random.NextInt64(0, 10_000_000), new SimEvent { Kind = SimEventKind.Timer, Target = i });
        // Delays like a network's: mostly tens of milliseconds, some seconds.
        _delays = new long[4096];
        for (int i = 0; i < _delays.Length; i++)
            _delays[i] = random.Next(10) == 0 ? random.NextInt64(1_000_000, 20_000_000) : random.NextInt64(1_000, 120_000);
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public long HoldOneMillionEvents()
    {
        long sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            _queue.TryDequeue(out long time, out SimEvent e);
            sum += e.Target;
            _queue.Schedule(time + _delays[i & 4095], e);
        }

        return sum;
    }
}
