using System.Net;
using Prometheus;

namespace Totoro.Net.Hosting;

/// <summary>Serves a host's registry at http://HOST:PORT/metrics in Prometheus' text format (prometheus-net's own server).</summary>
public sealed class MetricsServer : IDisposable
{
    private readonly MetricServer _server;

    public MetricsServer(IPEndPoint listen, CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(listen);
        Endpoint = listen;
        _server = new MetricServer(listen.Address.ToString(), listen.Port, "metrics/", registry);
        _server.Start();
    }

    public IPEndPoint Endpoint { get; }

    public void Dispose() => _server.Dispose();
}
