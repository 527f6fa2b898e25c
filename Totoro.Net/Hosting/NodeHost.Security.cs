using System.Net;
using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Net.Control;
using Totoro.Net.Security;
using Totoro.Net.Transport;

namespace Totoro.Net.Hosting;

/// <summary>The host's side of the security layer: sessions with other certified hosts (DESIGN §10a).</summary>
public sealed partial class NodeHost : ISecureLink
{
    private SecureChannel? _secure;
    private RootSeal? _rootSeal;

    /// <summary>Reliable connections open now (LiteNetLib peers: other hosts this one moves large frames with).</summary>
    internal int ReliableConnections => _transport.Connections;

    /// <summary>The seal on this host's roots' broadcasts (null when the host runs open).</summary>
    internal RootSeal? RootSeal => _rootSeal;

    /// <summary>A certified host heeds failure notices from its leaf set only (an open one cannot tell who sent them).</summary>
    private PastryOptions SecurePastry(PastryOptions pastry) => _secure is null ? pastry : pastry with { FailureNoticesFromLeafSetOnly = true };
    private WarningLimiter? _openWarnings;
    private readonly Dictionary<string, long> _seenRequests = [];

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
        _transport.AcceptConnection = _secure.IsAuthenticated; // reliable connections only after the handshake
        _rootSeal = new RootSeal(credentials, zones?.PrefixBits ?? 0, id => _byId[id], Log.Warn);
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

    /// <summary>Unsigned control requests come from this machine only, unless the host was told otherwise.</summary>
    private bool AcceptsPlainControl(IPEndPoint from) => IPAddress.IsLoopback(from.Address) || _options.ControlFromAnywhere;

    private void RefuseControl(IPEndPoint from, string why)
    {
        // No answer at all: an answer to an unauthenticated request is what reflection attacks are made of.
        Interlocked.Increment(ref Counters.ControlRefused);
        _openWarnings ??= new WarningLimiter(Log.Warn, 5_000_000);
        _openWarnings.Warn("control", $"{why} from {from} refused");
    }

    private void HandleSignedRequest(Datagram datagram)
    {
        if (!SignedRequest.TryRead(datagram.Data, out Certificate? signer, out long unixMillis, out ReadOnlySpan<byte> json, out string? error))
        {
            RefuseControl(datagram.From, $"signed control request ({error})");
            return;
        }

        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string? problem = _options.Credentials is not { } credentials
            ? (_options.ControlFromAnywhere ? null : "signed control request to a host without an authority to check it against")
            : credentials.Check(signer!, now / 1000) ?? (signer!.Role != CertificateRole.Operator ? $"control request signed by a {signer.Role.ToString().ToLowerInvariant()} certificate, not an operator's" : null);
        if (problem is null && Math.Abs(now - unixMillis) > SecureChannel.FreshnessMillis)
            problem = $"signed control request {Math.Abs(now - unixMillis) / 1000} s from our clock";
        if (problem is null && _seenRequests.Count >= 10_000)
        {
            foreach (string key in _seenRequests.Where(p => now - p.Value > 2 * SecureChannel.FreshnessMillis).Select(p => p.Key).ToArray())
                _seenRequests.Remove(key);
            if (_seenRequests.Count >= 10_000)
                problem = $"more than 10000 signed control requests in {2 * SecureChannel.FreshnessMillis / 1000} s";
        }

        string replayKey = Convert.ToBase64String(datagram.Data.AsSpan(datagram.Data.Length - Keys.SignatureBytes));
        if (problem is null && !_seenRequests.TryAdd(replayKey, now))
            problem = "replayed signed control request";
        if (problem is not null)
        {
            RefuseControl(datagram.From, problem);
            return;
        }

        Control.OnRequest(datagram.From, json, signer);
    }
}
