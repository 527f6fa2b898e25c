using BenchmarkDotNet.Attributes;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Scenarios;

namespace Totoro.Benchmarks;

/// <summary>
/// One routing step (the next-hop decision a node makes per forwarded message) on a settled overlay of
/// 10^5 nodes built by message-level joins, and the cost of building that overlay.
/// </summary>
[MemoryDiagnoser]
public class OverlayBenchmarks
{
    private const int Steps = 4096;
    private OverlayScenario _scenario = null!;
    private int[] _nodes = null!;
    private NodeId[] _keys = null!;

    [Params(100_000)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scenario = new OverlayScenario(new OverlaySimConfig { Nodes = Nodes, Lookups = 0, Seed = 1 });
        _scenario.BuildOverlay();
        _scenario.Settle(1);
        var random = new Random(2);
        _nodes = new int[Steps];
        _keys = new NodeId[Steps];
        for (int i = 0; i < Steps; i++)
        {
            _nodes[i] = random.Next(Nodes);
            _keys[i] = NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64());
        }
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public int RoutingStep()
    {
        int sum = 0;
        for (int i = 0; i < Steps; i++)
        {
            _scenario.World.Enter(_nodes[i]);
            PastryNode node = _scenario.Node(_nodes[i])!;
            sum += node.NextHop(_keys[i]).Index;
        }

        return sum;
    }
}
