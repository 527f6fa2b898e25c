namespace Totoro.Sim.Network;

/// <summary>Where nodes sit and how long a bit takes to travel between two of them. O(1) memory per node.</summary>
public interface ITopology
{
    string Name { get; }

    /// <summary>Places node <paramref name="index"/> (called once per node, in index order).</summary>
    void Place(int index, ref ulong random);

    /// <summary>One-way propagation plus both access latencies, in microseconds.</summary>
    long OneWayMicros(int from, int to);

    /// <summary>Starts loading the nodes' places into the cache (see <see cref="Totoro.Core.Runtime.INodeContext.Prefetch"/>); by default does nothing.</summary>
    void Prefetch(ReadOnlySpan<Totoro.Core.Runtime.PeerHandle> peers)
    {
    }

    /// <summary>Bytes of topology state kept per node.</summary>
    int BytesPerNode { get; }
}
