using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Totoro+'s discovery: the overlay with forest nodes, every node subscribed to the advertise–discover tree (as a
/// real node host does). A node learns of an app when the advertisement comes down the tree to it
/// (<see cref="IForestApp.OnDiscovered"/>).
/// </summary>
public sealed class AdTreeDiscoveryWorld : IDiscoveryWorld, IForestApp
{
    private const long JoinWindowMicros = 10_000_000;
    private const long JoinLimitMicros = 120_000_000;
    private const long SliceMicros = 1_000_000;

    private readonly ForestScenario _forest;
    private readonly OverlaySimConfig _overlayConfig;
    private int[] _participants = [];
    private readonly HashSet<int> _attached = [];

    public AdTreeDiscoveryWorld(OverlaySimConfig overlay)
    {
        _overlayConfig = overlay;
        _forest = new ForestScenario(overlay, new ForestSimConfig { Apps = 0, SubscribersPerApp = 1 }) { NodeApp = _ => this };
    }

    public SimWorld World => _forest.World;

    public ForestScenario Forest => _forest;

    public IReadOnlyList<int> Participants => _participants;

    public DiscoveryLog Log { get; } = new();

    public void Build(Action<SimProgress>? progress)
    {
        _forest.Overlay.BuildOverlay(progress);
        _forest.Overlay.Settle(_overlayConfig.SettlePeriods);
        _participants = _forest.Overlay.JoinedNodes.ToArray();
    }

    public void Join()
    {
        // Every node subscribes, in random order over a window, as nodes starting up would.
        ulong random = SplitMix64.Derive(_overlayConfig.Seed, 0xad7ee);
        int[] order = [.. _participants];
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = SplitMix64.NextInt(ref random, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        long start = World.Now;
        for (int i = 0; i < order.Length; i++)
        {
            World.RunUntil(start + (JoinWindowMicros * i / order.Length));
            World.Enter(order[i]);
            _forest.Node(order[i]).Subscribe(AppId.AdvertiseDiscover);
        }

        // The root attaches to no one: every other node has a parent once it is in.
        while (_attached.Count < order.Length - 1 && World.Now < start + JoinLimitMicros)
            World.RunUntil(World.Now + SliceMicros);
    }

    /// <summary>The live node closest to the tree's id: its root once the overlay has repaired (brute force over the live nodes).</summary>
    public int Hub()
    {
        int hub = -1;
        foreach (int node in _participants)
        {
            if (World.IsAlive(node) && (hub < 0 || AppId.AdvertiseDiscover.IsCloser(World.IdAt(node), World.IdAt(hub))))
                hub = node;
        }

        return hub;
    }

    public void Advertise(int creator, Advertisement advertisement)
    {
        World.Enter(creator);
        _forest.Node(creator).Advertise(advertisement);
    }

    public bool Confirmed(int creator, NodeId app) => Log.LearnedAt(app, creator) is not null;

    public IReadOnlySet<NodeId> Known(int node)
    {
        var apps = new HashSet<NodeId>();
        foreach (byte[] bytes in _forest.Node(node).Catalogue)
        {
            if (Advertisement.TryDecode(bytes, out Advertisement? advertisement, out _))
                apps.Add(advertisement!.App);
        }

        return apps;
    }

    // ---- The nodes' callbacks (every node's app is this recorder) ------------------------------------------

    public void OnDiscovered(ForestNode node, Advertisement advertisement) => Log.Record(advertisement.App, World.Current, World.Now);

    public void OnAttached(ForestNode node, NodeId app)
    {
        if (app == AppId.AdvertiseDiscover)
            _attached.Add(World.Current);
    }

    public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
    {
    }

    public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
    {
    }
}
