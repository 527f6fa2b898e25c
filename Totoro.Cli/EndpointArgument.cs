using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Totoro.Cli;

/// <summary>
/// Parses the HOST:PORT options of the real-mode commands (--listen, --bootstrap, --via) into IPv4 endpoints, one
/// rule for all: HOST is an IPv4 address or a name resolved to its first IPv4 address (localhost: 127.0.0.1).
/// </summary>
internal static class EndpointArgument
{
    private const string Example = "e.g. 127.0.0.1:7000 or localhost:7000";

    public static IPEndPoint Parse(string option, string? text, bool allowPortZero = false)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new UsageException($"{option} needs HOST:PORT, {Example}");
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || text.IndexOf(':', StringComparison.Ordinal) != colon)
            throw new UsageException($"{option} '{text}' is not HOST:PORT (IPv4 address or host name), {Example}");
        string host = text[..colon];
        string portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > IPEndPoint.MaxPort)
            throw new UsageException($"{option} '{text}': the port must be a number from {(allowPortZero ? 0 : 1)} to 65535");
        if (port == 0 && !allowPortZero)
            throw new UsageException($"{option} '{text}' needs a port from 1 to 65535");
        return new IPEndPoint(Resolve(option, host), port);
    }

    private static IPAddress Resolve(string option, string host)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal) && literal.AddressFamily == AddressFamily.InterNetwork && host.Count(c => c == '.') == 3)
            return literal;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return IPAddress.Loopback; // never ::1, whatever the hosts file lists first
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException)
        {
            throw new UsageException($"{option}: cannot resolve host '{host}' ({ex.Message})");
        }

        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? throw new UsageException($"{option}: host '{host}' has no IPv4 address (real mode speaks IPv4)");
    }
}
