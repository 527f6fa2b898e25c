using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Sim.Baselines;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// The AD-tree ablation's timeline, the same on both worlds: every node joins (the tree, or the directory), a
/// warm-up, then a measured window in which A apps are advertised by random nodes; then the hub (the tree's root,
/// or the directory) crashes, one more app is advertised, and its reach is measured. Creators announce again every
/// <see cref="DiscoverySimConfig.ReannounceSeconds"/> until they see their announcement take.
/// </summary>
public sealed class DiscoveryScenario
{
    private const long WarmupMicros = 20_000_000; // two keep-alive periods of the tree
    private const long FirstAdvertisementMicros = 1_000_000;

    private readonly DiscoverySimConfig _config;
    private readonly IDiscoveryWorld _world;
    private readonly List<Announcement> _pending = [];
    private ulong _random;

    public DiscoveryScenario(OverlaySimConfig overlay, DiscoverySimConfig config)
    {
        IReadOnlyList<string> problems = config.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(config));
        _config = config;
        _random = SplitMix64.Derive(overlay.Seed, 0xd15c0);
        _world = config.System == DiscoverySystem.AdTree
            ? new AdTreeDiscoveryWorld(overlay)
            : new DirectoryDiscoveryWorld(overlay, config.PollPeriodSeconds);
    }

    public IDiscoveryWorld World => _world;

    /// <summary>The apps advertised, in order (the window's, then the one after the crash).</summary>
    public List<NodeId> Apps { get; } = [];

    public DiscoverySection Run(Action<SimProgress>? progress = null)
    {
        SimWorld world = _world.World;
        _world.Build(progress);
        var setup = new MaintenanceMeter(world);
        _world.Join();
        setup.Stop();
        world.RunUntil(world.Now + WarmupMicros);
        double setupPerNode = _world.Participants.Average(n => (double)setup.TreeMessages(n));

        // The measured window: A apps advertised, spread over its first half.
        long start = world.Now;
        long window = Micros(_config.WindowSeconds);
        var meter = new MaintenanceMeter(world);
        var reaches = new List<double?[]>();
        var advertised = new List<(NodeId App, int Creator, long At)>();
        for (int a = 0; a < _config.Advertisements; a++)
        {
            RunUntil(start + FirstAdvertisementMicros + (window * a / (2 * _config.Advertisements)));
            advertised.Add(AdvertiseNew(a, excluded: -1));
        }

        RunUntil(start + window);
        meter.Stop();
        foreach ((NodeId app, int creator, long at) in advertised)
            reaches.Add(Reach(app, creator, at, [0.5, 0.9, 0.99, 1.0]));
        int hub = _world.Hub();
        Traffic traffic = Measure(meter, hub, window / 1e6);
        int complete = CatalogueComplete();

        // The hub crashes; an app advertised after it tries to reach everyone.
        _pending.Clear();
        long crash = world.Now;
        world.Kill(hub);
        RunUntil(crash + Micros(_config.AdvertiseAfterFailureSeconds));
        (NodeId late, int lateCreator, long lateAt) = AdvertiseNew(_config.Advertisements, excluded: hub);
        RunUntil(crash + Micros(_config.FailureWindowSeconds));
        double?[] after = Reach(late, lateCreator, lateAt, [0.5, 0.9, 0.99]);
        int[] population = Population(lateCreator);
        int knowing = population.Count(n => _world.Log.LearnedAt(late, n) is not null);

        return new DiscoverySection(
            System: _config.System == DiscoverySystem.AdTree ? "ad-tree" : "directory",
            Participants: _world.Participants.Count,
            PollPeriodSeconds: _config.System == DiscoverySystem.Directory ? _config.PollPeriodSeconds : null,
            Advertisements: _config.Advertisements,
            WindowSeconds: _config.WindowSeconds,
            SecondsTo50: MeanOrNull(reaches, 0),
            SecondsTo90: MeanOrNull(reaches, 1),
            SecondsTo99: MeanOrNull(reaches, 2),
            SecondsTo100: MeanOrNull(reaches, 3),
            MaxSecondsTo99: reaches.Any(r => r[2] is null) ? null : reaches.Max(r => r[2]),
            CatalogueComplete: complete,
            SetupMessagesPerNode: Math.Round(setupPerNode, 2),
            MessagesPerNodePerSecond: traffic.MeanMessages,
            BytesPerNodePerSecond: traffic.MeanBytes,
            P99MessagesPerSecond: traffic.P99Messages,
            BusiestMessagesPerSecond: traffic.BusiestMessages,
            BusiestBytesPerSecond: traffic.BusiestBytes,
            BusiestIsHub: traffic.Busiest == hub,
            HubMessagesPerSecond: traffic.HubMessages,
            HubBytesPerSecond: traffic.HubBytes,
            Hub: hub,
            NewHub: _world.Hub(),
            FailureReach: population.Length == 0 ? 0 : Math.Round((double)knowing / population.Length, 4),
            FailureSecondsTo50: after[0],
            FailureSecondsTo90: after[1],
            FailureSecondsTo99: after[2],
            FailureAnnouncements: _pending.Sum(p => p.Sent),
            FailureCatalogueComplete: CatalogueComplete());
    }

    private static long Micros(double seconds) => (long)Math.Round(seconds * 1e6);

    /// <summary>A new app advertised now by a random live participant (not <paramref name="excluded"/>).</summary>
    private (NodeId App, int Creator, long At) AdvertiseNew(int number, int excluded)
    {
        IReadOnlyList<int> nodes = _world.Participants;
        int creator;
        do
            creator = nodes[SplitMix64.NextInt(ref _random, nodes.Count)];
        while (creator == excluded || !_world.World.IsAlive(creator));
        Span<byte> key = stackalloc byte[16];
        _world.World.IdAt(creator).WriteBytes(key); // stands in for the creator's public key
        NodeId id = AppId.Create($"app-{number}", key, 0);
        var descriptor = AppDescriptor.Default(id, $"app-{number}", 16);
        var advertisement = new Advertisement(id, 16, $"app-{number}", "dataset=speech-commands") { Descriptor = descriptor.Encode() };
        Apps.Add(id);
        var announcement = new Announcement(creator, advertisement);
        _pending.Add(announcement);
        Announce(announcement);
        return (id, creator, _world.World.Now);
    }

    private void Announce(Announcement announcement)
    {
        announcement.Sent++;
        announcement.Next = _world.World.Now + Micros(_config.ReannounceSeconds);
        _world.Advertise(announcement.Creator, announcement.Advertisement);
    }

    /// <summary>Runs the world to <paramref name="until"/>, each creator announcing again until it sees its announcement take.</summary>
    private void RunUntil(long until)
    {
        SimWorld world = _world.World;
        while (true)
        {
            Announcement? due = null;
            foreach (Announcement a in _pending)
            {
                if (!a.Done && (due is null || a.Next < due.Next))
                    due = a;
            }

            if (due is null || due.Next >= until)
                break;
            world.RunUntil(due.Next);
            if (_world.Confirmed(due.Creator, due.Advertisement.App) || !world.IsAlive(due.Creator))
                due.Done = true;
            else
                Announce(due);
        }

        world.RunUntil(until);
    }

    /// <summary>The live participants other than the creator: whom an app must reach.</summary>
    private int[] Population(int creator)
        => [.. _world.Participants.Where(n => n != creator && _world.World.IsAlive(n))];

    /// <summary>Seconds from <paramref name="at"/> until each share of the population knew the app (null: not reached).</summary>
    private double?[] Reach(NodeId app, int creator, long at, double[] shares)
    {
        int[] population = Population(creator);
        long[] times = [.. population.Select(n => _world.Log.LearnedAt(app, n)).OfType<long>().Order()];
        var reach = new double?[shares.Length];
        for (int i = 0; i < shares.Length; i++)
        {
            int needed = Math.Max(1, (int)Math.Ceiling(shares[i] * population.Length));
            reach[i] = times.Length >= needed ? Math.Round((times[needed - 1] - at) / 1e6, 4) : null;
        }

        return reach;
    }

    private static double? MeanOrNull(List<double?[]> reaches, int share)
        => reaches.Any(r => r[share] is null) ? null : Math.Round(reaches.Average(r => r[share]!.Value), 4);

    /// <summary>Live participants whose own state holds exactly the apps advertised so far.</summary>
    private int CatalogueComplete()
    {
        var expected = new HashSet<NodeId>(Apps);
        return _world.Participants.Count(n => _world.World.IsAlive(n) && _world.Known(n).SetEquals(expected));
    }

    private Traffic Measure(MaintenanceMeter meter, int hub, double seconds)
    {
        IReadOnlyList<int> participants = _world.Participants;
        double[] messages = [.. participants.Select(n => meter.TreeMessages(n) / seconds)];
        double[] bytes = [.. participants.Select(n => meter.TreeBytes(n) / seconds)];
        int busiest = hub;
        double most = meter.TreeMessages(hub) / seconds;
        for (int i = 0; i < participants.Count; i++)
        {
            if (messages[i] > most)
                (busiest, most) = (participants[i], messages[i]);
        }

        Distribution spread = ForestScenario.Summarize(messages);
        return new Traffic(
            Math.Round(messages.Average(), 4),
            Math.Round(bytes.Average(), 1),
            Math.Round(spread.P99, 4),
            busiest,
            Math.Round(most, 4),
            Math.Round(meter.TreeBytes(busiest) / seconds, 1),
            Math.Round(meter.TreeMessages(hub) / seconds, 4),
            Math.Round(meter.TreeBytes(hub) / seconds, 1));
    }

    private sealed record Traffic(double MeanMessages, double MeanBytes, double P99Messages, int Busiest, double BusiestMessages, double BusiestBytes, double HubMessages, double HubBytes);

    /// <summary>An app's creator's announcements: sent again every period until it sees one take.</summary>
    private sealed class Announcement(int creator, Advertisement advertisement)
    {
        public int Creator { get; } = creator;

        public Advertisement Advertisement { get; } = advertisement;

        public long Next { get; set; }

        public int Sent { get; set; }

        public bool Done { get; set; }
    }
}
