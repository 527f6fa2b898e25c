using Totoro.Core.Forest;
using Totoro.Core.Overlay;
using Totoro.Core.Runtime;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;
using Xunit.Abstractions;

namespace Totoro.Sim.Tests;

/// <summary>Big models through the tree in chunks: cut-through timing against its closed form, exact sums, determinism.</summary>
public class ChunkedForestTests(ITestOutputHelper output)
{
    private const double UpMbps = 80, DownMbps = 800;

    private static ForestScenario Run(int nodes, int subscribers, int modelBytes, int fanout, bool vectors = false, ulong seed = 5, int replicas = 0, IForestApp? observer = null, double up = UpMbps, double down = DownMbps)
    {
        var overlay = new OverlaySimConfig
        {
            Nodes = nodes,
            Lookups = 0,
            Seed = seed,
            Pastry = new PastryOptions { B = 4 },
            Network = new NetworkOptions { UplinkMbps = (up, up), DownlinkMbps = (down, down) },
        };
        var forest = new ForestSimConfig
        {
            Apps = 1,
            SubscribersPerApp = subscribers,
            ModelBytes = modelBytes,
            Fanout = fanout,
            RealVectors = vectors,
            TreeTimers = new TreeOptions { Replicas = replicas }, // by default none: the closed forms are of the round alone
        };
        var scenario = new ForestScenario(overlay, forest) { Observer = observer };
        scenario.Overlay.BuildOverlay();
        scenario.Overlay.Settle(2);
        scenario.RunForest();
        return scenario;
    }

    /// <summary>Bytes one chunk message costs on a link besides its content (message header, chunk header, IP/UDP).</summary>
    private static int ChunkOverhead(int modelBytes)
    {
        Payload chunk = ModelChunks.Slice(Payload.SizeOnly(modelBytes), 1);
        Message message = TreeMessages.BroadcastChunk(NodeId.Zero, 1, chunk, 1, 0);
        return message.EncodedSize - chunk.ContentBytes + LinkModel.WireOverheadBytes;
    }

    /// <summary>The deepest (slowest) subscriber's depth and its path's propagation, from the tree the nodes built.</summary>
    private static (int Depth, long PathMicros)[] Paths(ForestScenario scenario, ForestScenario.AppRun app)
    {
        var paths = new List<(int, long)>();
        foreach (int s in app.Subscribers)
        {
            int node = s, depth = 0;
            long micros = 0;
            while (scenario.Node(node).TryGetTree(app.Id, out TreeInfo info) && !info.IsRoot)
            {
                micros += scenario.World.Links.OneWayMicros(info.Parent.Index, node);
                node = info.Parent.Index;
                depth++;
            }

            paths.Add((depth, micros));
        }

        return [.. paths];
    }

    [Fact]
    public void A_big_model_down_and_up_a_chain_costs_its_size_once_plus_a_chunk_a_level()
    {
        const int S = 8 << 20; // 32 chunks
        ForestScenario scenario = Run(nodes: 60, subscribers: 8, modelBytes: S, fanout: 1);
        ForestSection report = scenario.RunReport();
        AppTreeReport tree = Assert.Single(report.Trees);
        Assert.Equal(8, report.BroadcastsDelivered);
        Assert.Equal(8, tree.Contributions);
        Assert.True(tree.Depth >= 4, $"a chain of fanout 1 should be deep (depth {tree.Depth})");

        double up = UpMbps / 8, down = DownMbps / 8; // bytes per µs
        int h = ChunkOverhead(S), n = ModelChunks.CountOf(S);
        int last = ModelChunks.BytesOf(n - 1, S) + h;
        double chunked = 0, storeAndForward = 0;
        foreach ((int d, long path) in Paths(scenario, scenario.Apps.Single()))
        {
            // The root's uplink sends every chunk once; then the last chunk crosses d downlinks and d − 1 more uplinks.
            chunked = Math.Max(chunked, ((S + ((double)n * h)) / up) + ((d - 1) * last / up) + (d * last / down) + path);
            storeAndForward = Math.Max(storeAndForward, (d * (S + h) * ((1 / up) + (1 / down))) + path);
        }

        double dissemination = tree.DisseminationMs * 1000, aggregation = tree.AggregationMs * 1000;
        output.WriteLine($"depth {tree.Depth}: down {dissemination / 1000:F1} ms, up {aggregation / 1000:F1} ms; closed form {chunked / 1000:F1} ms; store-and-forward {storeAndForward / 1000:F1} ms");
        Assert.InRange(dissemination, chunked * 0.98, chunked * 1.02);
        Assert.InRange(aggregation, chunked * 0.98, chunked * 1.02); // every subscriber sends at once: the same pipeline upwards
        Assert.True(dissemination < storeAndForward / 2.5, $"chunked {dissemination / 1000:F0} ms vs store-and-forward {storeAndForward / 1000:F0} ms");
    }

    [Fact]
    public void Sixteen_children_sending_a_big_update_to_one_downlink_do_not_bury_their_parents_keep_alives()
    {
        // Each parent's 100 Mbit/s downlink takes 16 updates of 32 MiB (43 s) sent at 200 Mbit/s each: unpaced, they
        // queue ahead of the parent's pings and keep-alives past the 30 s timeouts, and subtrees drop out of the round.
        const int S = 32 << 20;
        ForestScenario scenario = Run(nodes: 400, subscribers: 200, modelBytes: S, fanout: 16, up: 200, down: 100);
        AppTreeReport tree = scenario.RunReport().Trees.Single();
        long acks = Enumerable.Range(0, 400).Sum(i => scenario.Node(i).ChunkAcksSent);
        output.WriteLine($"depth {tree.Depth}: down {tree.DisseminationMs:F0} ms, up {tree.AggregationMs:F0} ms, {tree.Contributions} contributions, {acks} chunk acks");
        Assert.Equal(200, tree.Contributions);
        Assert.True(acks >= 200L * ModelChunks.CountOf(S), $"every chunk that came up is acked ({acks})");
    }

    [Fact]
    public void The_roots_replicas_of_a_big_model_do_not_slow_its_round()
    {
        // Whole, 3 replicas of 8 MiB would take the root's uplink for 2.5 s right after the round's first chunks.
        const int S = 8 << 20;
        AppTreeReport alone = Run(nodes: 60, subscribers: 8, modelBytes: S, fanout: 1).RunReport().Trees.Single();
        ForestScenario scenario = Run(nodes: 60, subscribers: 8, modelBytes: S, fanout: 1, replicas: 3);
        AppTreeReport replicated = scenario.RunReport().Trees.Single();
        output.WriteLine($"down {alone.DisseminationMs:F1} ms alone, {replicated.DisseminationMs:F1} ms with 3 replicas");
        Assert.Equal(3, scenario.Node(scenario.Apps.Single().Root).ChunkedReplicasSent);
        Assert.Equal(8, replicated.Contributions);
        Assert.InRange(replicated.DisseminationMs, alone.DisseminationMs * 0.98, alone.DisseminationMs * 1.02);
    }

    [Fact]
    public void A_big_models_replica_arrives_byte_for_byte_in_chunks_and_a_take_over_resumes_from_it()
    {
        const int S = (1 << 20) + 12; // five chunks, the last a short one
        var seen = new Recorder();
        ForestScenario scenario = Run(nodes: 200, subscribers: 40, modelBytes: S, fanout: 4, vectors: true, replicas: 3, observer: seen);
        ForestScenario.AppRun app = scenario.Apps.Single();
        scenario.World.RunUntil(scenario.World.Now + 5_000_000); // replicas fill the uplink the round left idle
        float[] model = Assert.IsType<float[]>(seen.Delivered?.Vector); // what the root broadcast, as a subscriber got it
        Assert.Equal(S / 4, model.Length);
        Assert.Contains(model, v => v != 0);

        ForestNode root = scenario.Node(app.Root);
        Assert.Equal(3, root.ChunkedReplicasSent);
        PastryNode overlay = root.Overlay;
        int[] holders = [.. overlay.RightLeaves().Take(2).Concat(overlay.LeftLeaves().Take(2)).Select(p => p.Index)
            .Where(i => scenario.Node(i).TryGetTree(app.Id, out TreeInfo t) && t.ReplicaRound == app.Round)];
        Assert.Equal(3, holders.Length);
        foreach (int holder in holders)
        {
            Assert.True(scenario.Node(holder).TryGetTree(app.Id, out TreeInfo info));
            Assert.Equal(model, info.ReplicaModel?.Vector);
            Assert.Equal(1, scenario.Node(holder).ChunkedReplicasAssembled);
        }

        // The root dies: the holder now closest to the app takes over from the replica it put back together.
        scenario.World.Kill(app.Root);
        scenario.World.RunUntil(scenario.World.Now + 90_000_000);
        (ForestNode heir, int round, Payload? checkpoint) = Assert.Single(seen.Takeovers);
        Assert.Contains(holders, i => scenario.Node(i) == heir);
        Assert.True(heir.IsRootOf(app.Id));
        Assert.Equal(app.Round, round);
        Assert.Equal(model, checkpoint?.Vector);
    }

    /// <summary>Records a subscriber's model and every take-over.</summary>
    private sealed class Recorder : IForestApp
    {
        public Payload? Delivered { get; private set; }

        public List<(ForestNode Node, int Round, Payload? Checkpoint)> Takeovers { get; } = [];

        public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload) => Delivered ??= payload;

        public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
        {
        }

        public void OnRootTakeover(ForestNode node, NodeId app, int round, Payload? checkpoint) => Takeovers.Add((node, round, checkpoint));
    }

    [Fact]
    public void A_chunked_sum_equals_the_flat_weighted_sum_exactly()
    {
        const int S = (600 << 10) + 12; // three chunks, the last a short one
        ForestScenario scenario = Run(nodes: 300, subscribers: 90, modelBytes: S, fanout: 4, vectors: true);
        ForestScenario.AppRun app = scenario.Apps.Single();
        Payload merged = Assert.IsType<Payload>(app.Merged);
        float[] tree = merged.Vector!;
        Assert.Equal(S / 4, tree.Length);
        (float[] flat, double weights) = FlatSum.Of(app, tree.Length);

        // Small integers: every partial sum is exact in float, so the chunked tree and the flat sum agree to the bit.
        Assert.Equal(flat, tree);
        Assert.Equal(weights, merged.Weight);
        Assert.Equal(90, app.Contributions);
        Assert.Equal(0, scenario.RunReport().DuplicateDeliveries);
    }

    [Fact]
    public void The_same_seed_gives_the_same_chunked_round()
    {
        static (double, double, int) Once()
        {
            AppTreeReport t = Run(nodes: 200, subscribers: 60, modelBytes: 3 << 20, fanout: 4, seed: 11).RunReport().Trees.Single();
            return (t.DisseminationMs, t.AggregationMs, t.Depth);
        }

        (double, double, int) first = Once();
        Assert.Equal(first, Once());
        Assert.True(first.Item1 > 0 && first.Item2 > 0);
    }

    [Fact]
    public void ResNet_34s_85_MB_can_be_configured_and_a_model_above_1_GiB_is_refused_in_one_line()
    {
        Assert.Empty(new ForestSimConfig { Apps = 1, SubscribersPerApp = 10, ModelBytes = 85 << 20 }.Validate(nodes: 100));
        string problem = Assert.Single(new ForestSimConfig { Apps = 1, SubscribersPerApp = 10, ModelBytes = Payload.MaxBytes + 1 }.Validate(nodes: 100));
        Assert.Equal($"--model-bytes must be from 4 to 1073741824 (got {Payload.MaxBytes + 1})", problem);
        Assert.Equal(340, ModelChunks.CountOf(85 << 20));
        Assert.False(ModelChunks.IsChunked(Payload.SizeOnly(200 * 1024))); // the committed figures' models travel whole
        Assert.True(ModelChunks.IsChunked(Payload.SizeOnly(ModelChunks.ChunkBytes + 1)));
    }
}
