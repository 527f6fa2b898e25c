using System.Net;
using LiteNetLib.Layers;

namespace Totoro.Net.Transport;

/// <summary>
/// Drops a fraction of every packet LiteNetLib receives (ours and its own acks and retransmissions), standing in
/// for `tc netem loss` where the kernel has no netem. A testing aid (`totoro node --impair-loss`), off by default.
/// </summary>
internal sealed class ImpairmentLayer(double loss) : PacketLayerBase(0)
{
    public long Dropped;

    public override void ProcessInboundPacket(ref IPEndPoint endPoint, ref byte[] data, ref int length)
    {
        if (Random.Shared.NextDouble() < loss)
        {
            length = 0; // LiteNetLib ignores an empty packet
            Interlocked.Increment(ref Dropped);
        }
    }

    public override void ProcessOutBoundPacket(ref IPEndPoint endPoint, ref byte[] data, ref int offset, ref int length)
    {
    }
}
