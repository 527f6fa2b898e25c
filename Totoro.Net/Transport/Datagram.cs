using System.Net;

namespace Totoro.Net.Transport;

/// <summary>
/// One received frame and who sent it (the sender's UDP endpoint); <paramref name="ArrivesAt"/> is the
/// <see cref="System.Diagnostics.Stopwatch"/> timestamp before which an impaired transport holds it back (0: at once).
/// </summary>
public readonly record struct Datagram(IPEndPoint From, byte[] Data, long ArrivesAt = 0);
