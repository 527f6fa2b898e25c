using System.Net;

namespace Totoro.Cli;

/// <summary>Parses HOST:PORT options of the real-mode commands into IPv4 endpoints, with errors that say the form.</summary>
internal static class EndpointArgument
{
    public static IPEndPoint Parse(string option, string? text, bool allowPortZero = false)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new UsageException($"{option} needs HOST:PORT, e.g. 127.0.0.1:7000");
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
            text = "127.0.0.1" + text[9..];
        if (!IPEndPoint.TryParse(text, out IPEndPoint? endpoint) || endpoint.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !text.Contains(':'))
            throw new UsageException($"{option} '{text}' is not IPv4-ADDRESS:PORT, e.g. 127.0.0.1:7000");
        if (endpoint.Port == 0 && !allowPortZero)
            throw new UsageException($"{option} '{text}' needs a port from 1 to 65535");
        return endpoint;
    }
}
