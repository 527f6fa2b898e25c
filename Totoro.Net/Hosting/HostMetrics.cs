using Prometheus;
using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Net.Transport;

namespace Totoro.Net.Hosting;

/// <summary>
/// A host's Prometheus metrics (prometheus-net, a registry of its own). Counters of the transport are read when
/// Prometheus scrapes; what lives on the event loop (joined nodes, trees, apps' rounds) is sampled on the loop once
/// a second and when a round closes, so a scrape never reads a node's state from another thread.
/// Names follow Prometheus conventions: a `totoro_` prefix, base units, `_total` on counters (docs/metrics.md).
/// </summary>
public sealed class HostMetrics
{
    private const long SampleMicros = 1_000_000;

    private readonly NodeHost _host;
    private readonly Gauge _nodes;
    private readonly Gauge _joined;
    private readonly Gauge _peers;
    private readonly Gauge _trees;
    private readonly Gauge _treeRoots;
    private readonly Gauge _treeChildren;
    private readonly Gauge _appsKnown;
    private readonly Gauge _appRound;
    private readonly Gauge _appRoundsPlanned;
    private readonly Gauge _appAccuracy;
    private readonly Gauge _appLoss;
    private readonly Gauge _appRoundSeconds;
    private readonly Counter _appRounds;
    private readonly Counter _appContributions;
    private readonly Counter _planningMoves;
    private readonly Counter _planningRefusals;

    public HostMetrics(NodeHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        Registry = Metrics.NewCustomRegistry();
        MetricFactory f = Metrics.WithCustomRegistry(Registry);
        _nodes = f.CreateGauge("totoro_overlay_nodes", "Logical overlay nodes this host runs.");
        _joined = f.CreateGauge("totoro_overlay_joined_nodes", "Logical nodes of this host that have joined the overlay.");
        _peers = f.CreateGauge("totoro_overlay_known_peers", "Peers (node ids with an address) this host's nodes know.");
        _trees = f.CreateGauge("totoro_tree_memberships", "App trees each of this host's nodes belongs to, summed over its nodes.");
        _treeRoots = f.CreateGauge("totoro_tree_roots", "App trees rooted at one of this host's nodes (masters here).");
        _treeChildren = f.CreateGauge("totoro_tree_children", "Children this host's nodes have in each app's tree.", "app");
        _appsKnown = f.CreateGauge("totoro_apps_known", "FL apps this host's nodes have heard of.");
        _appRound = f.CreateGauge("totoro_app_round", "Last round the app's master on this host closed.", "app");
        _appRoundsPlanned = f.CreateGauge("totoro_app_rounds_planned", "Rounds the app trains for.", "app");
        _appAccuracy = f.CreateGauge("totoro_app_accuracy_ratio", "Test accuracy (0 to 1) of the app's global model at its last evaluation.", "app");
        _appLoss = f.CreateGauge("totoro_app_loss", "Test loss of the app's global model at its last evaluation.", "app");
        _appRoundSeconds = f.CreateGauge("totoro_app_round_duration_seconds", "How long the app's last round took, broadcast to merged update.", "app");
        _appRounds = f.CreateCounter("totoro_app_rounds_total", "Rounds closed by the app's master on this host.", "app");
        _appContributions = f.CreateCounter("totoro_app_contributions_total", "Worker updates merged into the app's closed rounds.", "app");
        _planningMoves = f.CreateCounter("totoro_planning_moves_total", "Moves this host's path planners made: a flow's route or a child's parent (--planner bandit or game).");
        _planningRefusals = f.CreateCounter("totoro_planning_move_refusals_total", "Parent moves of this host's game planners that the new parent turned away (its load had grown past the move's gain).");
        _planningMoves.IncTo(0); // published from the start: 0 under static
        _planningRefusals.IncTo(0);
        Counter messagesIn = f.CreateCounter("totoro_messages_received_total", "Protocol messages delivered to this host's nodes.");
        Counter messagesOut = f.CreateCounter("totoro_messages_sent_total", "Protocol messages this host's nodes sent.");
        Counter datagramsIn = f.CreateCounter("totoro_transport_datagrams_received_total", "UDP datagrams received.");
        Counter datagramsOut = f.CreateCounter("totoro_transport_datagrams_sent_total", "UDP datagrams sent.");
        Counter bytesIn = f.CreateCounter("totoro_transport_received_bytes_total", "Bytes received.");
        Counter bytesOut = f.CreateCounter("totoro_transport_sent_bytes_total", "Bytes sent.");
        Counter dropped = f.CreateCounter("totoro_transport_dropped_total", "Datagrams counted and dropped, by reason.", "reason");
        AuthenticationFailures = f.CreateCounter("totoro_transport_authentication_failures_total", "Datagrams rejected because they failed authentication (0 until datagrams are authenticated).");
        Counter handlerErrors = f.CreateCounter("totoro_handler_errors_total", "Messages whose handler threw (logged; the node carries on).");
        Counter diskDropped = f.CreateCounter("totoro_disk_writes_dropped_total", "Rows and log lines the disk refused (full; the node carries on), by file.", "file");
        AuthenticationFailures.IncTo(0); // published from the start, so dashboards and alerts see the series
        Registry.AddBeforeCollectCallback(() =>
        {
            TransportCounters c = host.Counters;
            messagesIn.IncTo(host.MessagesIn);
            messagesOut.IncTo(host.MessagesOut);
            datagramsIn.IncTo(Interlocked.Read(ref c.DatagramsIn));
            datagramsOut.IncTo(Interlocked.Read(ref c.DatagramsOut));
            bytesIn.IncTo(Interlocked.Read(ref c.BytesIn));
            bytesOut.IncTo(Interlocked.Read(ref c.BytesOut));
            dropped.WithLabels("undecodable").IncTo(Interlocked.Read(ref c.DecodeFailures));
            dropped.WithLabels("rate_limited").IncTo(Interlocked.Read(ref c.RateLimited));
            dropped.WithLabels("unknown_destination").IncTo(Interlocked.Read(ref c.UnknownDestination));
            dropped.WithLabels("send_failed").IncTo(Interlocked.Read(ref c.SendFailures));
            handlerErrors.IncTo(host.HandlerErrors);
            diskDropped.WithLabels("metrics.csv").IncTo(host.MetricsRowsDropped);
            diskDropped.WithLabels("log").IncTo(host.Log.LinesDropped);
        });
    }

    /// <summary>The registry Prometheus scrapes (served by <see cref="MetricsServer"/>).</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>The counter a datagram authentication layer increments when it rejects one.</summary>
    public Counter AuthenticationFailures { get; }

    /// <summary>Starts sampling on the host's event loop (call after <see cref="NodeHost.Start"/>).</summary>
    public void Attach()
    {
        _host.Apps.RoundCompleted += OnRound;
        _host.Post(Sample);
    }

    private void OnRound(FederatedMaster master, RoundRecord round)
    {
        string app = master.Spec.Name;
        _appRound.WithLabels(app).Set(round.Round);
        _appRoundsPlanned.WithLabels(app).Set(master.Spec.Rounds);
        _appRounds.WithLabels(app).Inc();
        _appContributions.WithLabels(app).Inc(round.Contributions);
        _appRoundSeconds.WithLabels(app).Set(round.RoundSeconds);
        if (!double.IsNaN(round.Accuracy))
        {
            _appAccuracy.WithLabels(app).Set(round.Accuracy);
            _appLoss.WithLabels(app).Set(round.Loss);
        }
    }

    private void Sample()
    {
        _nodes.Set(_host.NodeCount);
        _joined.Set(_host.JoinedCount);
        _peers.Set(_host.Directory.Count);
        long moves = 0, refusals = 0;
        for (int i = 0; i < _host.NodeCount; i++)
        {
            if (_host.Node(i).Planning is { } planner)
            {
                moves += planner.Moves;
                refusals += planner.Refusals;
            }
        }

        _planningMoves.IncTo(moves);
        _planningRefusals.IncTo(refusals);
        int memberships = 0, roots = 0, known = 0;
        foreach ((NodeId id, LearningAppInfo info) in _host.Apps.Known)
        {
            known++;
            int children = 0;
            for (int i = 0; i < _host.NodeCount; i++)
            {
                if (!_host.Node(i).TryGetTree(id, out TreeInfo tree))
                    continue;
                memberships++;
                roots += tree.IsRoot ? 1 : 0;
                children += tree.Children.Length;
            }

            _treeChildren.WithLabels(info.Spec.Name).Set(children);
        }

        _trees.Set(memberships);
        _treeRoots.Set(roots);
        _appsKnown.Set(known);
        _host.Schedule(SampleMicros, Sample);
    }
}
