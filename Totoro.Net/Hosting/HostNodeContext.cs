using Totoro.Core.Runtime;

namespace Totoro.Net.Hosting;

/// <summary>
/// One logical node's window on the real world: the host's wall clock, the host's peer directory and socket, and
/// the host's timer queue. Called only from the host's event loop thread.
/// </summary>
internal sealed class HostNodeContext(NodeHost host, int index, PeerHandle self, ulong seed) : INodeContext
{
    private RandomStream _random = new(seed);

    public int Index { get; } = index;

    public long Now => host.Now;

    public PeerHandle Self { get; } = self;

    public NodeId IdOf(PeerHandle peer) => host.Directory.IdOf(peer);

    public long ProximityTo(PeerHandle peer) => host.ProximityTo(peer);

    public void Send(PeerHandle peer, in Message message) => host.Send(Index, peer, message);

    public void SetTimer(long delayMicros, int timer, long argument = 0) => host.Timers.Add(host.Now + Math.Max(0, delayMicros), Index, timer, argument);

    public ulong NextRandom() => _random.Next();

    public long SendBacklogMicros => host.SendBacklogMicros;

    public bool SharesFate(PeerHandle peer) => host.Directory.EndpointOf(peer).Equals(host.Endpoint);
}
