using LiteNetLib;

namespace Totoro.Net.Transport;

/// <summary>
/// Keeps LiteNetLib from printing to stdout (which is the command's output): its messages are dropped, and the
/// failures that matter surface as exceptions or counters of ours.
/// </summary>
internal sealed class QuietNetLogger : INetLogger
{
    public static readonly QuietNetLogger Instance = new();

    public void WriteNet(NetLogLevel level, string str, params object[] args)
    {
    }
}
