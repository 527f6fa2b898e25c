using Totoro.Core.Learning;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// What a simulation will hold at its peak, estimated from its configuration before it starts, so that a run that
/// cannot fit in the machine is refused at once (with the arithmetic) instead of crawling into swap or being killed an
/// hour later. The constants come from measured peaks (README, "Scale"): a node's fixed state (directory, topology,
/// links, Pastry node, leaf and neighbourhood sets, its share of the event queue and of the garbage collector's slack)
/// plus its routing table, about one row of 2^b slots per digit of log_{2^b} N; a forest adds a tree node per node
/// and tree state per member; real vectors add models held along the trees; training adds a learning layer per node,
/// state per worker and the data (Fashion-MNIST once, or each synthetic worker's own).
/// </summary>
public static class MemoryEstimate
{
    /// <summary>The runtime, the code and the report: paid once.</summary>
    public const long FixedBytes = 100L << 20;

    /// <summary>A node's state apart from its routing table: the measured 10^6-node peak (1,296 B per node, results/scale/1m) less its table and fixed part.</summary>
    public const int NodeBytes = 810;

    /// <summary>The forest's part of every node (its tree node, empty until it meets a tree).</summary>
    public const int ForestNodeBytes = 200;

    /// <summary>A tree member's state for one app (children, parent, round state).</summary>
    public const int MemberBytes = 600;

    /// <summary>
    /// A training run's worker: its learning layer's state for the app (spec, app info, its share of the sample indices,
    /// the tree's round bookkeeping) and the collector's slack over it. Measured: 14.4–15.4 KB per worker between 100
    /// and 1,000 apps × 100 workers at 2×10^4 and 10^5 nodes (timing mode, Fashion-MNIST; results/scale/train-calibration).
    /// </summary>
    public const int WorkerBytes = 15_000;

    /// <summary>A training run's every node: its learning layer and the larger tree node a trained tree leaves (10^6 nodes, results/scale/1m-train).</summary>
    public const int LearnerNodeBytes = 250;

    /// <summary>Fashion-MNIST's 70,000 images as floats, loaded once and shared by every app.</summary>
    public const long FashionMnistBytes = 70_000L * 784 * sizeof(float);

    /// <summary>
    /// A synthetic worker's generated data per training sample it holds (60 features, a quarter more held out for
    /// testing, the generated set and its train and test copies): 55 KB per worker of 100 samples, measured at 200 apps
    /// × 100 workers against 20 apps (results/scale/train-calibration).
    /// </summary>
    public const int SyntheticSampleBytes = 550;

    /// <summary>Routing-table rows a node of an N-node overlay fills: ⌈log_{2^b} N⌉ plus one for the leaf set's neighbours.</summary>
    public static int RoutingRows(long nodes, int b) => (int)Math.Ceiling(Math.Log(Math.Max(2, nodes)) / Math.Log(1 << b)) + 1;

    /// <summary>Bytes per node of an overlay alone.</summary>
    public static long OverlayBytesPerNode(long nodes, int b) => NodeBytes + (4L * (1 << b) * RoutingRows(nodes, b));

    /// <summary>The estimated peak of a run, and how it was reckoned.</summary>
    /// <param name="training">A training run's apps and workers (null: trees without training, or none).</param>
    public static (long Bytes, string Arithmetic) Of(OverlaySimConfig overlay, ForestSimConfig? forest, LearningSimConfig? training = null)
    {
        long nodes = overlay.Nodes;
        long perNode = OverlayBytesPerNode(nodes, overlay.Pastry.B);
        string arithmetic = $"{nodes:N0} nodes × {perNode:N0} B";
        long bytes = FixedBytes + (nodes * perNode);
        if (forest is { Apps: > 0 })
        {
            long members = 2L * forest.Apps * forest.SubscribersPerApp; // subscribers and about as many forwarders
            bytes += (nodes * ForestNodeBytes) + (members * MemberBytes);
            arithmetic += $" + {nodes:N0} × {ForestNodeBytes} B (forest) + {members:N0} tree members × {MemberBytes} B";
            if (forest.RealVectors)
            {
                long models = 3 * members; // a member's model, its update and a merge in progress
                bytes += models * forest.ModelBytes;
                arithmetic += $" + {models:N0} models × {forest.ModelBytes:N0} B";
            }
        }

        if (training is not null)
        {
            long workers = (long)training.Apps * training.Template.Workers;
            bool synthetic = training.Template.Dataset == "synthetic";
            long perWorker = WorkerBytes + (synthetic ? SyntheticSampleBytes * SyntheticSamplesPerWorker(training.Template) : 0);
            bytes += (nodes * LearnerNodeBytes) + (workers * perWorker) + (synthetic ? 0 : FashionMnistBytes);
            arithmetic += $" + {nodes:N0} × {LearnerNodeBytes} B (learning) + {workers:N0} workers × {perWorker:N0} B"
                + (synthetic ? "" : $" + {FashionMnistBytes >> 20} MB (Fashion-MNIST)");
        }

        return (bytes, $"{arithmetic} + {FixedBytes >> 20} MB fixed = {Gigabytes(bytes)}");
    }

    /// <summary>Memory this process may use: the machine's (or its container's) physical memory.</summary>
    public static long MachineBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>A one-line refusal when the run cannot fit in <paramref name="available"/> bytes, or null when it can.</summary>
    public static string? Refusal(OverlaySimConfig overlay, ForestSimConfig? forest, long available, LearningSimConfig? training = null)
    {
        (long bytes, string arithmetic) = Of(overlay, forest, training);
        if (bytes <= available)
            return null;
        long perNode = OverlayBytesPerNode(overlay.Nodes, overlay.Pastry.B) + (forest is { Apps: > 0 } ? ForestNodeBytes : 0)
            + (training is not null ? LearnerNodeBytes : 0);
        long trees = bytes - FixedBytes - (overlay.Nodes * perNode); // what the apps' trees (and workers) need whatever the node count
        long most = Math.Max(0, (available - FixedBytes - trees) / perNode);
        string fits = most > 0 ? $"at most about {most:N0} nodes fit" : $"the apps' trees{(training is null ? "" : " and workers")} alone need {Gigabytes(trees)}";
        return $"this run needs about {arithmetic}, more than this machine's {Gigabytes(available)} of memory; {fits}";
    }

    private static long SyntheticSamplesPerWorker(AppSpec spec) =>
        spec.TrainSamples > 0 ? Math.Max(1, spec.TrainSamples / spec.Workers) : FederatedWorkload.SyntheticSamplesPerWorker;

    private static string Gigabytes(long bytes) => $"{bytes / (double)(1L << 30):F1} GiB";
}
