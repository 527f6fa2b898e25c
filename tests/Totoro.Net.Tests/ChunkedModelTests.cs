using System.Collections.Concurrent;
using System.Net;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Hosting;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

/// <summary>A model of several chunks through a real tree of hosts on loopback: down intact, up summed exactly, replicas intact.</summary>
public class ChunkedModelTests(ITestOutputHelper output)
{
    private const int Floats = 3 << 18; // 3 MiB of float32: 12 chunks

    private static float Value(int node, int i) => ((node * 31) + (i * 17)) % 13 - 6; // small integers: float sums are exact

    /// <summary>Each node answers the round at once with weight × its own vector; the root keeps the merge.</summary>
    private sealed class Driver(NodeId app, List<NodeId> ids) : IForestApp
    {
        public ConcurrentDictionary<NodeId, Payload> Received { get; } = new();

        public Payload? Merged { get; private set; }

        public long Contributions { get; private set; }

        public static double WeightOf(int node) => 1 + (node % 5);

        public static float[] VectorOf(int node)
        {
            var v = new float[Floats];
            for (int i = 0; i < v.Length; i++)
                v[i] = (float)(WeightOf(node) * Value(node, i));
            return v;
        }

        public void OnBroadcast(ForestNode node, NodeId tree, int round, Payload payload)
        {
            Received[node.Overlay.Id] = payload;
            int index = ids.IndexOf(node.Overlay.Id);
            node.Aggregate(app, round, Payload.FromVector(VectorOf(index), WeightOf(index)));
        }

        public void OnAggregated(ForestNode node, NodeId tree, int round, Payload merged, long contributions)
        {
            Contributions = contributions;
            Merged = merged;
        }
    }

    [Fact]
    public void A_model_of_a_dozen_chunks_reaches_every_host_intact_and_their_updates_sum_exactly()
    {
        using var cluster = new HostCluster();
        for (int h = 0; h < 3; h++)
            cluster.Add(2);
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        using var client = new ControlClient(IPAddress.Loopback);
        List<NodeId> ids = cluster.Ids(client);
        NodeId app = NodeId.Hash("big-model"u8.ToArray());
        var driver = new Driver(app, ids);
        foreach (NodeHost host in cluster.Hosts)
            host.Apps.Intercept = (app, driver);

        var descriptor = AppDescriptor.Default(app, "big-model", 2); // fanout 2: a tree of more than one level
        foreach (NodeHost host in cluster.Hosts)
            LoopHelper.OnLoop(host, () => Enumerable.Range(0, 2).ToList().ForEach(i => host.Node(i).Subscribe(descriptor)));
        // Joined, and the one root the closest node: a node that took itself for the root a moment (before it knew the
        // closest) would keep its subtree from the one broadcast below.
        NodeId rootId = HostCluster.Closest(ids, app);
        Assert.True(
            LoopHelper.Eventually(() => cluster.Hosts.All(h => LoopHelper.OnLoop(h, () => Enumerable.Range(0, 2).All(i => h.Node(i).TryGetTree(app, out TreeInfo t) && (t.IsRoot ? h.Node(i).Overlay.Id == rootId : !t.Parent.IsNone))))),
            "not every node joined the tree under the one root");
        NodeHost rootHost = cluster.Hosts[ids.IndexOf(rootId) / 2];
        var model = new float[Floats];
        for (int i = 0; i < model.Length; i++)
            model[i] = MathF.Sin(i) * 1000; // not small integers: any misplaced or dropped chunk shows
        Assert.True(ModelChunks.IsChunked(Payload.FromVector(model)));
        LoopHelper.OnLoop(rootHost, () => rootHost.Node(ids.IndexOf(rootId) % 2).Broadcast(app, Payload.FromVector(model)));

        Assert.True(LoopHelper.Eventually(() => driver.Merged is not null), $"the round never closed: {driver.Received.Count} of 6 nodes had the model");
        Assert.Equal(6, driver.Received.Count);
        foreach ((NodeId node, Payload payload) in driver.Received)
            Assert.True(payload.Vector.AsSpan().SequenceEqual(model), $"node {node} got another model");

        var flat = new double[Floats];
        double weights = 0;
        for (int n = 0; n < ids.Count; n++)
        {
            float[] v = Driver.VectorOf(n);
            for (int i = 0; i < Floats; i++)
                flat[i] += v[i];
            weights += Driver.WeightOf(n);
        }

        Assert.Equal(6, driver.Contributions);
        Assert.Equal(weights, driver.Merged!.Weight);
        Assert.True(flat.Select(x => (float)x).SequenceEqual(driver.Merged.Vector!), "the tree's sum differs from the flat sum");
        long reliable = cluster.Hosts.Sum(h => Interlocked.Read(ref h.Counters.ReliableOut));
        long refused = cluster.Hosts.Sum(h => LoopHelper.OnLoop(h, () => h.Node(0).RefusedChunks + h.Node(1).RefusedChunks));
        output.WriteLine($"root {rootId}; reliable frames sent {reliable}; chunks refused {refused}");
        Assert.Equal(0, refused);

        // The root's checkpoint (the model) went to its 3 replica holders in chunks, each put back together float for float.
        int Holders() => cluster.Hosts.Sum(h => LoopHelper.OnLoop(h, () => Enumerable.Range(0, 2).Count(i =>
            h.Node(i).ChunkedReplicasAssembled > 0 && h.Node(i).TryGetTree(app, out TreeInfo t) && t.ReplicaModel?.Vector is { } v && v.AsSpan().SequenceEqual(model))));
        Assert.True(LoopHelper.Eventually(() => Holders() >= 3), $"{Holders()} of 3 replica holders hold the model; {ReplicaState(cluster, app)}");
        Assert.Equal(3, LoopHelper.OnLoop(rootHost, () => rootHost.Node(ids.IndexOf(rootId) % 2).ChunkedReplicasSent));
    }

    /// <summary>What each node holds of the app's replica, and what each host lost: the failure message's evidence.</summary>
    private static string ReplicaState(HostCluster cluster, NodeId app) => string.Join("; ", cluster.Hosts.Select((h, hi) => LoopHelper.OnLoop(h, () =>
        $"host {hi} (send failures {Interlocked.Read(ref h.Counters.SendFailures)}, dropped {h.Counters.Dropped}): " + string.Join(", ", Enumerable.Range(0, 2).Select(i =>
        {
            ForestNode n = h.Node(i);
            string tree = n.TryGetTree(app, out TreeInfo t) ? $"replica round {t.ReplicaRound}, model {(t.ReplicaModel is null ? "none" : "held")}" : "no tree";
            return $"{n.Overlay.Id.ToString()[..6]} sent {n.ChunkedReplicasSent} assembled {n.ChunkedReplicasAssembled} {tree}, waiting {n.ChunksWaiting}, refused {n.RefusedChunks}/{n.RefusedMessages} ({n.LastRefusal})";
        })))));

    /// <summary>Answers a routed question with a model of a dozen chunks (what `totoro app model` asks a root for).</summary>
    private sealed class Answerer(float[] model) : IForestApp
    {
        public ConcurrentQueue<(long Stamp, Payload Payload)> Answers { get; } = new();

        public void OnBroadcast(ForestNode node, NodeId tree, int round, Payload payload)
        {
        }

        public void OnAggregated(ForestNode node, NodeId tree, int round, Payload merged, long contributions)
        {
        }

        public void OnAppMessage(ForestNode node, PeerHandle from, AppMessageView message)
        {
            if (message.IsRouted)
                node.SendDirect(from, message.Tag, Payload.FromVector(model).WithAttachment([7, 7, 7]), message.Stamp);
            else
                Answers.Enqueue((message.Stamp, message.Payload!));
        }
    }

    [Fact]
    public void An_answer_of_a_dozen_chunks_reaches_the_asker_whole_float_for_float_with_its_attachment()
    {
        using var cluster = new HostCluster();
        cluster.Add(1);
        cluster.Add(1);
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(20));
        var model = new float[Floats];
        for (int i = 0; i < model.Length; i++)
            model[i] = MathF.Cos(i) * 1000; // any misplaced, dropped or repeated chunk shows
        var answerer = new Answerer(model);
        NodeHost asker = cluster.Hosts[0], answering = cluster.Hosts[1];
        NodeId target = LoopHelper.OnLoop(answering, () => answering.Node(0).Overlay.Id);
        foreach (NodeHost host in cluster.Hosts)
            host.Apps.Intercept = (target, answerer);
        LoopHelper.OnLoop(asker, () => asker.Node(0).RouteToKey(target, 9, Payload.SizeOnly(0, 0), 4242));

        Assert.True(LoopHelper.Eventually(() => !answerer.Answers.IsEmpty), "the answer never came whole");
        Assert.True(answerer.Answers.TryDequeue(out var answer));
        Assert.Equal(4242, answer.Stamp);
        Assert.True(answer.Payload.Vector.AsSpan().SequenceEqual(model), "the answer came back with other floats");
        Assert.Equal([7, 7, 7], answer.Payload.Attachment);
        Assert.Equal((1, 0), LoopHelper.OnLoop(answering, () => (answering.Node(0).ChunkedAnswersSent, answering.Node(0).ChunkedAnswersAssembled)));
        Assert.Equal((0, 1), LoopHelper.OnLoop(asker, () => (asker.Node(0).ChunkedAnswersSent, asker.Node(0).ChunkedAnswersAssembled)));
        Assert.Empty(answerer.Answers); // one answer, not one per chunk
    }
}
