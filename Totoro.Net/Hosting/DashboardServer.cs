using System.Net;
using System.Reflection;

namespace Totoro.Net.Hosting;

/// <summary>
/// The live page of a host: GET / is the page (docs/dashboard.md), GET /api/state this host's
/// <see cref="DashboardState"/>. The page polls every host it is given (`?hosts=URL,URL`) and merges what they know,
/// so one browser tab shows the whole deployment. Read-only; listens where it is told (loopback unless asked).
/// </summary>
public sealed class DashboardServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly DashboardState _state;
    private readonly byte[] _page;

    public DashboardServer(IPEndPoint listen, DashboardState state)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
        using Stream resource = Assembly.GetExecutingAssembly().GetManifestResourceStream("Totoro.Net.Hosting.dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is missing from the build");
        using var copy = new MemoryStream();
        resource.CopyTo(copy);
        _page = copy.ToArray();
        Endpoint = listen;
        _listener.Prefixes.Add($"http://{listen}/");
        _listener.Start();
        _ = ServeAsync();
    }

    public IPEndPoint Endpoint { get; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            try
            {
                Respond(context);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException)
            {
                // the browser went away mid-answer
            }
        }
    }

    private void Respond(HttpListenerContext context)
    {
        HttpListenerResponse response = context.Response;
        (byte[] body, string type, int status) = context.Request.Url?.AbsolutePath switch
        {
            "/" or "/index.html" => (_page, "text/html; charset=utf-8", 200),
            "/api/state" => (_state.Json, "application/json", 200),
            _ => ("not found"u8.ToArray(), "text/plain", 404),
        };
        response.StatusCode = status;
        response.ContentType = type;
        response.AddHeader("Cache-Control", "no-store");
        response.AddHeader("Access-Control-Allow-Origin", "*"); // one host's page merges the others' state
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        response.Close();
    }

    public void Dispose() => _listener.Close();
}
