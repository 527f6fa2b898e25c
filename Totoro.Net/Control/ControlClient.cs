using System.Net;
using Totoro.Net.Transport;

namespace Totoro.Net.Control;

/// <summary>
/// The client end of the control protocol (the `totoro app` command, tests): its own socket on an ephemeral port;
/// each request is re-sent every half second until its answer comes or the timeout passes.
/// </summary>
public sealed class ControlClient : IDisposable
{
    private readonly UdpTransport _transport = new();
    private long _nextId = Random.Shared.NextInt64(1, long.MaxValue / 2);

    private readonly Security.Signer? _signer;

    /// <param name="bind">The address to send from (any by default).</param>
    /// <param name="signer">Signs every request (an operator's certificate): needed to reach a host from elsewhere than its loopback.</param>
    public ControlClient(IPAddress? bind = null, Security.Signer? signer = null)
    {
        _signer = signer;
        _transport.Start(new IPEndPoint(bind ?? IPAddress.Any, 0));
    }

    /// <summary>The answer, or null when the host did not answer within <paramref name="timeout"/>.</summary>
    public ControlResponse? Ask(IPEndPoint host, ControlRequest request, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(request);
        ControlRequest sent = request with { Id = Interlocked.Increment(ref _nextId) };
        byte[] json = ControlJson.Serialize(sent);
        byte[] frame = _signer is null ? Frame.Control(FrameKind.Request, json) : SignedRequest.Encode(_signer, json, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        DateTime deadline = DateTime.UtcNow + timeout;
        DateTime resend = DateTime.MinValue;
        while (DateTime.UtcNow < deadline)
        {
            if (DateTime.UtcNow >= resend)
            {
                _transport.Send(host, frame);
                if (_signer is not null) // each resend is a new request to the host's replay check
                    frame = SignedRequest.Encode(_signer, json, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                resend = DateTime.UtcNow + TimeSpan.FromMilliseconds(sent.Op is "status" or "lookup" ? 2000 : 500);
            }

            while (_transport.TryReceive(out Datagram datagram))
            {
                if (Frame.TryRead(datagram.Data, out FrameKind kind, out _) && kind == FrameKind.Response
                    && ControlJson.TryDeserialize(datagram.Data.AsSpan(2), out ControlResponse? response, out _) && response!.Id == sent.Id)
                    return response;
            }

            _transport.Signal.WaitOne(TimeSpan.FromMilliseconds(50));
        }

        return null;
    }

    public void Dispose() => _transport.Dispose();
}
