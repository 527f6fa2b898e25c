using System.Net;

namespace Totoro.Net.Transport;

/// <summary>One received frame and who sent it (the sender's UDP endpoint).</summary>
public readonly record struct Datagram(IPEndPoint From, byte[] Data);
