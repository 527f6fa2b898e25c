using System.Diagnostics;
using System.Globalization;
using System.Net;
using Totoro.Core.Runtime;
using Xunit.Abstractions;

namespace Totoro.Net.Tests;

/// <summary>
/// A host killed (kill -9) and restarted with the same ids and port, as the chaos soak does, on 6 hosts × 4 nodes
/// with 2% receive-path loss and 10 ms delay and real mode's overlay timers: the restarted nodes must come to know
/// every live node (on a ring of 24 their leaf sets of 24 cover everyone), and every other node must know them again.
/// The oracle is the cluster itself: who is alive is known to the test. TOTORO_RESTART_TRIALS,
/// TOTORO_RESTART_PING_MS, TOTORO_RESTART_PROBE_TRIES, TOTORO_RESTART_LEASE_MS and TOTORO_RESTART_LOSS_PERMILLE make it a measurement (times to a full view, per trial), and
/// TOTORO_RESTART_STEADY_S adds a watch of the settled overlay for spells in which a live node drops out of a leaf set.
/// </summary>
public class RestartRejoinTests(ITestOutputHelper output)
{
    private const int HostCount = 6;
    private const int NodesPerHost = 4;

    [Fact]
    public void A_host_killed_and_restarted_with_its_ids_knows_every_live_node_and_is_known_by_every_one()
    {
        int trials = Setting("TOTORO_RESTART_TRIALS", 2);
        int pingMs = Setting("TOTORO_RESTART_PING_MS", 1000);
        TimeSpan deadline = TimeSpan.FromMilliseconds(30 * pingMs); // a failure bound only: a few periods is the norm
        var knows = new List<double>();
        var known = new List<double>();
        int probeTries = Setting("TOTORO_RESTART_PROBE_TRIES", RestartCluster.RealModePastry(pingMs).ProbeTries); // real mode's own unless set
        using var cluster = new RestartCluster(HostCount, NodesPerHost, RestartCluster.RealModePastry(pingMs) with { ProbeTries = probeTries, LeaseMicros = Setting("TOTORO_RESTART_LEASE_MS", pingMs * 3 / 2) * 1000L }, loss: Setting("TOTORO_RESTART_LOSS_PERMILLE", 20, minimum: 0) / 1000.0, delayMs: 10);
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(30));
        var random = new Random(11);
        for (int trial = 0; trial < trials; trial++)
        {
            (double before, _, string settle) = UntilFullView(cluster, -1, deadline);
            Assert.True(before >= 0, $"trial {trial}: the overlay never reached a full view before the kill:\n{settle}");
            int victim = 1 + random.Next(HostCount - 1);
            int via = (victim + 1 + random.Next(HostCount - 1)) % HostCount; // any other host
            Dictionary<NodeId, int> ids = cluster.LiveIds();
            IPEndPoint endpoint = cluster.Kill(victim);
            Thread.Sleep(TimeSpan.FromMilliseconds(4.5 * pingMs)); // the soak's 9 s at 2 s periods: every peer has declared it dead
            int stale = cluster.LeafSets().Sum(l => l.Value.Count(id => ids.GetValueOrDefault(id, -1) == victim));
            output.WriteLine($"trial {trial}: {stale} leaf-set entries still name host {victim}'s nodes when it restarts");
            cluster.Restart(victim, endpoint, via);
            (double knowsAll, double knownByAll, string missing) = UntilFullView(cluster, victim, deadline);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trial {trial}: host {victim} restarted via {via}; restarted nodes know all after {knowsAll:F2} s, all know them after {knownByAll:F2} s"));
            Assert.True(knowsAll >= 0 && knownByAll >= 0,
                $"trial {trial}: {deadline.TotalSeconds:F0} s after host {victim} restarted the view was still not full:\n{missing}");
            knows.Add(knowsAll);
            known.Add(knownByAll);
        }

        int steadySeconds = Setting("TOTORO_RESTART_STEADY_S", 0);
        if (steadySeconds > 0)
            output.WriteLine(Steady(cluster, TimeSpan.FromSeconds(steadySeconds)));
        output.WriteLine($"restarted nodes know all (s): {Summary(knows)}");
        output.WriteLine($"all know the restarted (s):  {Summary(known)}");
    }

    /// <summary>
    /// The soak's namespace cut: a host that can neither send nor receive is dropped by every other node (and drops them),
    /// and once the cut heals both sides find each other again, through the pings each node keeps sending to peers it
    /// declared dead (PastryOptions.ProbeDepartedEvery): nothing else would bring two sides that forgot each other together.
    /// </summary>
    [Fact]
    public void A_host_cut_off_is_dropped_by_all_and_both_sides_find_each_other_once_the_cut_heals()
    {
        int pingMs = Setting("TOTORO_RESTART_PING_MS", 1000);
        TimeSpan deadline = TimeSpan.FromMilliseconds(30 * pingMs);
        using var cluster = new RestartCluster(HostCount, NodesPerHost, RestartCluster.RealModePastry(pingMs), loss: 0.02, delayMs: 10);
        cluster.WaitUntilJoined(TimeSpan.FromSeconds(30));
        (double settled, _, string settle) = UntilFullView(cluster, -1, deadline);
        Assert.True(settled >= 0, $"the overlay never reached a full view before the cut:\n{settle}");
        const int cut = 2;
        Dictionary<NodeId, int> ids = cluster.LiveIds();
        var clock = Stopwatch.StartNew();
        cluster.Hosts[cut]!.CutOff = true;
        bool split = false;
        while (!split && clock.Elapsed < deadline)
        {
            Thread.Sleep(100);
            // Split: no node lists a node on the other side of the cut any more.
            split = cluster.LeafSets().All(l => l.Value.All(other => (ids[l.Key] == cut) == (ids[other] == cut)));
        }

        double splitAfter = clock.Elapsed.TotalSeconds;
        Assert.True(split, $"{deadline.TotalSeconds:F0} s into the cut a node still listed one on the other side");
        Thread.Sleep(TimeSpan.FromMilliseconds(5 * pingMs)); // the cut lasts on after both sides have given up on each other
        cluster.Hosts[cut]!.CutOff = false;
        (double knowsAll, double knownByAll, string missing) = UntilFullView(cluster, cut, deadline);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"host {cut} cut off: both sides dropped the other after {splitAfter:F2} s; after the heal its nodes knew all after {knowsAll:F2} s, all knew them after {knownByAll:F2} s"));
        Assert.True(knowsAll >= 0 && knownByAll >= 0, $"{deadline.TotalSeconds:F0} s after the cut healed the view was still not full:\n{missing}");
    }

    /// <summary>
    /// Polls every 100 ms until the restarted host's nodes know every live node (first time) and every live node knows
    /// them (second); -1 for one never reached. With <paramref name="restarted"/> -1, waits until every node knows
    /// every other. The third value says who missed whom at the end.
    /// </summary>
    private static (double KnowsAll, double KnownByAll, string Missing) UntilFullView(RestartCluster cluster, int restarted, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        double knowsAll = -1, knownByAll = -1;
        string missing = "";
        while (clock.Elapsed < deadline && (knowsAll < 0 || knownByAll < 0))
        {
            Dictionary<NodeId, int> live = cluster.LiveIds();
            Dictionary<NodeId, HashSet<NodeId>> leaves = cluster.LeafSets();
            var gaps = new List<string>();
            bool restartedBlind = false, othersBlind = false;
            foreach ((NodeId node, int host) in live)
            {
                bool isRestarted = restarted < 0 || host == restarted;
                HashSet<NodeId>? leaf = leaves.GetValueOrDefault(node);
                // A restarted node must know everyone; another node must know the restarted ones.
                NodeId[] unknown = [.. live.Keys.Where(other => other != node && (isRestarted || live[other] == restarted) && leaf?.Contains(other) != true)];
                if (unknown.Length == 0)
                    continue;
                if (isRestarted)
                    restartedBlind = true;
                else
                    othersBlind = true;
                gaps.Add($"  h{host} {node} ({(leaf is null ? "not joined" : $"{leaf.Count} in its leaf set")}) lacks {string.Join(", ", unknown.Select(u => $"h{live[u]} {u}"))}");
            }

            double now = clock.Elapsed.TotalSeconds;
            if (knowsAll < 0 && !restartedBlind)
                knowsAll = now;
            if (knownByAll < 0 && !othersBlind && (restarted >= 0 || !restartedBlind))
                knownByAll = now;
            missing = string.Join('\n', gaps);
            Thread.Sleep(100);
        }

        return (knowsAll, knownByAll, missing);
    }

    /// <summary>Watches a settled overlay: every spell in which a live node's leaf set lacked a live node, and how long it lasted.</summary>
    private static string Steady(RestartCluster cluster, TimeSpan watch)
    {
        var clock = Stopwatch.StartNew();
        var open = new Dictionary<(NodeId, NodeId), double>();
        var spells = new List<string>();
        double longest = 0;
        while (clock.Elapsed < watch)
        {
            Dictionary<NodeId, int> live = cluster.LiveIds();
            Dictionary<NodeId, HashSet<NodeId>> leaves = cluster.LeafSets();
            double now = clock.Elapsed.TotalSeconds;
            var seen = new HashSet<(NodeId, NodeId)>();
            foreach (NodeId node in live.Keys)
            {
                foreach (NodeId other in live.Keys)
                {
                    if (other != node && leaves.GetValueOrDefault(node)?.Contains(other) != true)
                    {
                        seen.Add((node, other));
                        open.TryAdd((node, other), now);
                    }
                }
            }

            foreach (((NodeId a, NodeId b) pair, double since) in open.Where(o => !seen.Contains(o.Key)).ToList())
            {
                open.Remove(pair);
                longest = Math.Max(longest, now - since);
                spells.Add(string.Create(CultureInfo.InvariantCulture, $"h{live[pair.a]} {pair.a.ToString()[..8]} lacked h{live.GetValueOrDefault(pair.b, -1)} {pair.b.ToString()[..8]} for {now - since:F1} s from {since:F1} s"));
            }

            Thread.Sleep(200);
        }

        foreach (((NodeId a, NodeId b) pair, double since) in open)
            spells.Add(string.Create(CultureInfo.InvariantCulture, $"{pair.a.ToString()[..8]} still lacks {pair.b.ToString()[..8]} since {since:F1} s"));
        return string.Create(CultureInfo.InvariantCulture, $"steady {watch.TotalSeconds:F0} s: {spells.Count} spell(s) of a live node missing from a live leaf set, longest {longest:F1} s\n  {string.Join("\n  ", spells)}");
    }

    private static string Summary(List<double> values)
    {
        if (values.Count == 0)
            return "none";
        double[] sorted = [.. values.Order()];
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"n {sorted.Length}, median {At(0.5):F2}, p90 {At(0.9):F2}, max {sorted[^1]:F2}; all: {string.Join(' ', values.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}");
    }

    private static int Setting(string name, int fallback, int minimum = 1)
        => int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out int value) && value >= minimum ? value : fallback;
}
