using System.Net;
using Totoro.Core.Rings;
using Totoro.Net.Security;
using Totoro.Net.Transport;

namespace Totoro.Net.Hosting;

/// <summary>The host's side of the security layer: sessions with other certified hosts (DESIGN §10a).</summary>
public sealed partial class NodeHost : ISecureLink
{
    private SecureChannel? _secure;
    private WarningLimiter? _openWarnings;

    /// <summary>True when the host runs certified (every frame between hosts authenticated).</summary>
    public bool IsSecure => _secure is not null;

    /// <summary>Sessions open with other hosts (0 when the host runs open).</summary>
    public int SecureSessions => _secure?.Sessions ?? 0;

    long ISecureLink.NowMicros => Now;

    long ISecureLink.UnixMillis => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    void ISecureLink.SendRaw(IPEndPoint to, byte[] frame, bool reliable) => _transport.Send(to, frame, reliable);

    void ISecureLink.Schedule(long delayMicros, Action task) => Schedule(delayMicros, task);

    private void StartSecurity(ZoneMap? zones)
    {
        if (_options.Credentials is not { } credentials)
        {
            Log.Warn("running OPEN: no certificate, so any process that reaches this port can join the overlay and its apps (see docs/security.md)");
            return;
        }

        _secure = new SecureChannel(credentials, zones?.PrefixBits ?? 0, this, Counters, Log.Warn);
        Log.Info($"certified as {credentials.Certificate}");
    }

    private void HandleSecure(Datagram datagram, FrameKind kind)
    {
        if (_secure is null)
        {
            _openWarnings ??= new WarningLimiter(Log.Warn, 5_000_000);
            Interlocked.Increment(ref Counters.Unauthenticated);
            _openWarnings.Warn("secure", $"{kind} frame from {datagram.From} dropped: this host runs open (no certificate)");
            return;
        }

        byte[]? inner = _secure.Receive(datagram.From, kind, datagram.Data, out Session? session);
        if (inner is null)
            return;
        if (!Frame.TryRead(inner, out FrameKind innerKind, out string? error) || innerKind != FrameKind.Node)
        {
            Dropped(datagram, error ?? $"a session carries node frames, not {innerKind}");
            return;
        }

        HandleNode(new Datagram(datagram.From, inner), session);
    }

    private void RefuseUnauthenticated(Datagram datagram)
    {
        Interlocked.Increment(ref Counters.Unauthenticated);
        _openWarnings ??= new WarningLimiter(Log.Warn, 5_000_000);
        _openWarnings.Warn("plain", $"unauthenticated node frame from {datagram.From} dropped: this overlay is certified");
    }
}
