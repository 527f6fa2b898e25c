namespace Totoro.Sim.Baselines;

/// <summary>
/// The resources of a central FL server, as OpenFL and FedScale deploy one: a NIC every model and update crosses,
/// and CPU cores that serve the apps' coordination and aggregation tasks first come, first served. Workers train
/// on their own devices in parallel; what one app's round costs the server is what other apps wait for, so a
/// speedup over it comes out of the queue, not out of a rule. The values and why they are what they are:
/// docs/baselines.md.
/// </summary>
/// <param name="Name">The system's name (`openfl`, `fedscale`).</param>
/// <param name="CoordinatorCores">Cores serving coordination tasks (round set-up, round close).</param>
/// <param name="AggregatorCores">Cores serving aggregation tasks; 0: they share the coordinator's queue and cores.</param>
/// <param name="NicMbps">The server's NIC, each way.</param>
/// <param name="RoundSetupMs">Fixed CPU cost of starting a round (client selection, task plan, bookkeeping).</param>
/// <param name="RequestMs">CPU cost of handling one RPC from a client.</param>
/// <param name="RequestsPerClient">RPCs a participant makes per round (half to get its task and model, half to report).</param>
/// <param name="SerializeMBps">Model bytes the server serializes per second (once per participant it sends to, once to checkpoint).</param>
/// <param name="AggregateMBps">Update bytes the server deserializes and adds into the running aggregate per second.</param>
/// <param name="RoundCloseMs">Fixed CPU cost of closing a round (server rule, metrics, logging).</param>
public sealed record CentralShape(
    string Name,
    int CoordinatorCores,
    int AggregatorCores,
    double NicMbps,
    double RoundSetupMs,
    double RequestMs,
    int RequestsPerClient,
    double SerializeMBps,
    double AggregateMBps,
    double RoundCloseMs)
{
    /// <summary>
    /// OpenFL's single-machine setting: one aggregator process on one machine serves every federation's tasks
    /// from one queue on one core (a Python process), behind the machine's 1 Gbit/s NIC.
    /// </summary>
    public static readonly CentralShape OpenFl = new("openfl", 1, 0, 1_000, 20, 1.0, 8, 500, 250, 20);

    /// <summary>
    /// FedScale's shape: a data-centre aggregator (10 Gbit/s) whose one event loop (a Python process) handles every
    /// job's events in turn; a client pulls its task and model in one RPC and reports in one, and a round's set-up
    /// samples participants from the registered pool.
    /// </summary>
    public static readonly CentralShape FedScale = new("fedscale", 1, 0, 10_000, 50, 1.0, 2, 500, 250, 20);

    public static IReadOnlyList<CentralShape> All { get; } = [OpenFl, FedScale];

    public static CentralShape? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>CPU time to start a round of <paramref name="participants"/>: set-up, their task RPCs, one serialization each.</summary>
    public long SetupMicros(int participants, int modelBytes) =>
        Micros(RoundSetupMs + (participants * ((RequestMs * (RequestsPerClient / 2.0)) + Transfer(modelBytes, SerializeMBps))));

    /// <summary>CPU time to take one update in: its report RPCs, deserializing it and adding it into the aggregate.</summary>
    public long AggregateMicros(int updateBytes) =>
        Micros((RequestMs * (RequestsPerClient / 2.0)) + Transfer(updateBytes, AggregateMBps));

    /// <summary>CPU time to close a round: fixed cost plus one checkpoint of the model.</summary>
    public long CloseMicros(int modelBytes) => Micros(RoundCloseMs + Transfer(modelBytes, SerializeMBps));

    private static double Transfer(int bytes, double megabytesPerSecond) => bytes / (megabytesPerSecond * 1e3); // ms

    private static long Micros(double ms) => (long)Math.Ceiling(ms * 1000);
}
