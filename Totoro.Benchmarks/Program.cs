using BenchmarkDotNet.Running;
using Totoro.Benchmarks;

// `dotnet run -c Release --project Totoro.Benchmarks -- --filter '*'` runs every suite;
// `-- retained [N]` prints the live heap bytes per node of an overlay of N nodes (default 100000).
if (args.Length > 0 && args[0] == "retained")
{
    int nodes = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
    RetainedMemory.Print(nodes);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(KernelBenchmarks).Assembly).Run(args);
