using Totoro.Core.Runtime;
using Totoro.Net.Control;

namespace Totoro.Cli.Soak;

internal enum LookupOutcome
{
    /// <summary>Answered by the closest live node.</summary>
    Correct,

    /// <summary>Answered by a node while a settled one was closer to the key.</summary>
    Wrong,

    /// <summary>The host asked answered that the overlay gave no answer in time.</summary>
    Failed,

    /// <summary>A host that stayed settled throughout never answered the control request.</summary>
    Unanswered,
}

internal readonly record struct LookupRecord(double At, int Host, LookupOutcome Outcome, string Detail);

/// <summary>
/// Lookups at a steady rate, each from a random logical node of a random settled host for a random key, checked
/// against the soak's knowledge of who is alive: correct when the answer is a live node and no node of a host settled
/// throughout the lookup is closer. A lookup whose host went down meanwhile counts for nothing (the chaos, not the
/// overlay, lost it). Runs on its own thread with its own control socket.
/// </summary>
internal sealed class SoakLookups(SoakState state)
{
    private readonly List<LookupRecord> _records = [];

    public IReadOnlyList<LookupRecord> Snapshot()
    {
        lock (_records)
            return [.. _records];
    }

    /// <summary>
    /// Asks at <see cref="SoakOptions.LookupsPerSecond"/> in all, from <see cref="SoakOptions.LookupAskers"/> threads
    /// that each wait for their answer (one asker under load manages about 6 a second).
    /// </summary>
    public void Run(CancellationToken stop)
    {
        int askers = state.Options.LookupAskers;
        var threads = new Thread[askers];
        for (int i = 0; i < askers; i++)
        {
            var random = new Random(unchecked((int)state.Options.Seed * 17 + 3 + (7919 * i)));
            threads[i] = new Thread(() => Ask(random, state.Options.LookupsPerSecond / askers, stop)) { Name = $"soak-lookups-{i}", IsBackground = true };
            threads[i].Start();
        }

        foreach (Thread thread in threads)
            thread.Join();
    }

    private void Ask(Random random, double perSecond, CancellationToken stop)
    {
        using var client = new ControlClient();
        TimeSpan period = TimeSpan.FromSeconds(1 / perSecond);
        while (!stop.IsCancellationRequested)
        {
            double started = state.Now;
            if (state.RandomSettled(random) is { } host)
                Ask(client, random, host, started);
            TimeSpan left = period - TimeSpan.FromSeconds(state.Now - started);
            if (left > TimeSpan.Zero)
                stop.WaitHandle.WaitOne(left);
        }
    }

    private void Ask(ControlClient client, Random random, SoakHost host, double started)
    {
        var key = NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64());
        int from = random.Next(state.Options.NodesPerHost);
        ControlResponse? response = client.Ask(host.Endpoint, new ControlRequest(0, "lookup") { Key = key.ToString(), From = from }, TimeSpan.FromSeconds(9));
        double ended = state.Now;
        double settle = state.Options.SettleSeconds;
        lock (state.Lock)
        {
            if (!host.SettledAt(ended, settle) || host.Since > started)
                return; // the host asked went down or was cut off meanwhile
            LookupOutcome outcome;
            string detail = "";
            if (response is null)
            {
                outcome = LookupOutcome.Unanswered;
                detail = $"key {key} from node {from}";
            }
            else if (response.Lookup is not { } answer)
            {
                outcome = LookupOutcome.Failed;
                detail = $"key {key} from node {from}: {response.Error}";
            }
            else
            {
                NodeId reached = new(UInt128.Parse(answer.Node, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));
                NodeId? closer = null;
                foreach (SoakHost other in state.Hosts.All)
                {
                    // Settled throughout the lookup: up before it started, by the settling time, and still up.
                    if (!other.SettledAt(started, settle) || other.Since > started)
                        continue;
                    foreach (NodeId id in other.Ids)
                    {
                        if (key.IsCloser(id, closer ?? reached) && id != reached)
                            closer = id;
                    }
                }

                outcome = closer is null ? LookupOutcome.Correct : LookupOutcome.Wrong;
                if (closer is { } c)
                    detail = $"key {key} from host {host.Index} node {from}: reached {reached} in {answer.Hops} hops, but {c} (host {HostOf(c)}) is live and closer";
            }

            lock (_records)
                _records.Add(new LookupRecord(ended, host.Index, outcome, detail));
        }
    }

    private int HostOf(NodeId id) => state.Hosts.All.FirstOrDefault(h => h.Ids.Contains(id))?.Index ?? -1;
}
