using System.Text.Json;
using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;

namespace Totoro.Net.Hosting;

/// <summary>
/// What a host's live page shows, as JSON: the overlay as this host knows it, the tree edges its own nodes hold
/// (parent and children of each), and the training curve of each app whose master ran here. Built on the event loop
/// once a second and published whole, so the web server never reads a node's state from another thread.
/// </summary>
public sealed class DashboardState
{
    private const long SampleMicros = 1_000_000;

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private readonly NodeHost _host;
    private readonly Dictionary<string, List<double[]>> _curves = [];
    private readonly Dictionary<string, int> _planned = [];
    private byte[] _json = "{}"u8.ToArray();

    public DashboardState(NodeHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    /// <summary>The latest snapshot as UTF-8 JSON (any thread).</summary>
    public byte[] Json => Volatile.Read(ref _json);

    /// <summary>Starts sampling on the host's event loop (call after <see cref="NodeHost.Start"/>).</summary>
    public void Attach()
    {
        _host.Apps.RoundCompleted += OnRound;
        _host.Post(Sample);
    }

    private void OnRound(FederatedMaster master, RoundRecord round)
    {
        string app = master.Spec.Name;
        if (!_curves.TryGetValue(app, out List<double[]>? curve))
            _curves[app] = curve = [];
        curve.RemoveAll(p => p[0] >= round.Round); // a master that took over redoes rounds
        curve.Add([round.Round, double.IsNaN(round.Accuracy) ? -1 : round.Accuracy]);
        _planned[app] = master.Spec.Rounds;
    }

    private void Sample()
    {
        var local = new List<string>();
        for (int i = 0; i < _host.NodeCount; i++)
            local.Add(_host.Node(i).Overlay.Id.ToString());
        var peers = new HashSet<string>(local);
        for (int p = 0; p < _host.Directory.Count; p++)
        {
            NodeId peer = _host.Directory.IdOf(new PeerHandle(p));
            if (peer != NodeId.Zero) // the bootstrap's address, before its id is known
                peers.Add(peer.ToString());
        }
        var apps = new List<object>();
        foreach ((NodeId id, LearningAppInfo info) in _host.Apps.Known)
        {
            var edges = new HashSet<(string, string)>();
            var held = new List<string[]>(); // each node's own word: "up" (its parent) or "down" (a child), to tell a one-sided edge
            string? root = null;
            for (int i = 0; i < _host.NodeCount; i++)
            {
                ForestNode node = _host.Node(i);
                if (!node.TryGetTree(id, out TreeInfo tree))
                    continue;
                string me = node.Overlay.Id.ToString();
                if (tree.IsRoot)
                    root = me;
                else if (!tree.Parent.IsNone)
                {
                    edges.Add((node.IdOf(tree.Parent).ToString(), me));
                    held.Add(["up", node.IdOf(tree.Parent).ToString(), me]);
                }

                foreach (PeerHandle child in tree.Children)
                {
                    edges.Add((me, node.IdOf(child).ToString()));
                    held.Add(["down", me, node.IdOf(child).ToString()]);
                }
            }

            string name = info.Spec.Name;
            apps.Add(new
            {
                name,
                id = id.ToString(),
                model = info.Spec.Model,
                rounds = _planned.GetValueOrDefault(name, info.Spec.Rounds),
                root,
                edges = edges.Select(e => new[] { e.Item1, e.Item2 }).ToArray(),
                held,
                curve = _curves.GetValueOrDefault(name)?.ToArray() ?? [],
            });
        }

        var snapshot = new { host = _host.Endpoint.ToString(), local, peers = peers.ToArray(), apps };
        Volatile.Write(ref _json, JsonSerializer.SerializeToUtf8Bytes(snapshot, WebJson));
        _host.Schedule(SampleMicros, Sample);
    }
}
