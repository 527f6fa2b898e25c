using System.Net;
using NSec.Cryptography;
using Totoro.Core.Runtime;
using Totoro.Net.Transport;

namespace Totoro.Net.Security;

/// <summary>
/// A certified host's sessions with the other hosts. Outgoing frames are sealed with the session to their endpoint
/// (one is opened by a handshake on first use; frames wait for it, bounded); incoming sealed frames are opened,
/// checked against the replay window and attributed to the peer's certificate. Nothing from a process without a
/// valid certificate reaches the protocol, and no unauthenticated datagram is ever answered except a valid hello,
/// with a reply of the hello's own size (no amplification). Runs on the host's event loop only.
/// </summary>
public sealed class SecureChannel : IDisposable
{
    /// <summary>How far a hello's clock may be from ours (and how long its ephemeral key is remembered against replays).</summary>
    public const long FreshnessMillis = 120_000;

    private const long SessionMicros = 15 * 60 * 1_000_000L;
    private const long KeepReceivingMicros = 2 * 60 * 1_000_000L;
    private const long RetryMicros = 1_000_000;
    private const int MaxTries = 6;
    private const int MaxWaitingFrames = 4096;
    private const int MaxSessionsPerPeer = 4;
    private const int MaxRememberedHellos = 100_000;

    private readonly Credentials _self;
    private readonly int _prefixBits;
    private readonly ISecureLink _link;
    private readonly TransportCounters _counters;
    private readonly WarningLimiter _warnings;
    private readonly RateLimiter _handshakes;
    private readonly Dictionary<uint, Session> _byIndex = [];
    private readonly Dictionary<IPEndPoint, Session> _current = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPEndPoint, byte> _authenticated = new(); // _current's keys, for the transport's threads
    private readonly Dictionary<IPEndPoint, Pending> _pending = [];
    private readonly Dictionary<uint, Pending> _pendingByIndex = [];
    private readonly Dictionary<ulong, HashSet<UInt128>> _idsBySerial = [];
    private readonly Dictionary<string, long> _seenHellos = [];
    private uint _nextIndex;
    private long _lastSweep;

    public SecureChannel(Credentials self, int prefixBits, ISecureLink link, TransportCounters counters, Action<string> warn, double handshakesPerSecond = 20, double handshakeBurst = 40)
    {
        _self = self;
        _prefixBits = prefixBits;
        _link = link;
        _counters = counters;
        _warnings = new WarningLimiter(warn, 5_000_000);
        _handshakes = new RateLimiter(handshakesPerSecond, handshakeBurst);
        _nextIndex = (uint)Random.Shared.Next(); // indices are not secrets; random so a restarted host does not reuse them
    }

    public int Sessions => _byIndex.Count;

    /// <summary>Whether a session with <paramref name="peer"/> is open (thread-safe: the transport asks from its own threads).</summary>
    public bool IsAuthenticated(IPEndPoint peer) => _authenticated.ContainsKey(peer);

    public int WaitingHandshakes => _pending.Count;

    /// <summary>Seals and sends a frame for node <paramref name="destination"/> at <paramref name="endpoint"/> (Zero: whoever is there).</summary>
    public void Send(IPEndPoint endpoint, NodeId destination, byte[] frame, bool reliable)
    {
        long now = _link.NowMicros;
        if (_current.TryGetValue(endpoint, out Session? session) && now < session.ExpiresMicros)
        {
            SendSealed(session, destination, frame, reliable);
            return;
        }

        if (!_pending.TryGetValue(endpoint, out Pending? pending))
            pending = Start(endpoint);
        if (pending.Waiting.Count >= MaxWaitingFrames)
        {
            Interlocked.Increment(ref _counters.SendFailures);
            return;
        }

        pending.Waiting.Add((destination, frame, reliable));
    }

    /// <summary>A hello, reply or sealed frame from <paramref name="from"/>: the inner frame and the session's peer when it is an authenticated frame for the protocol.</summary>
    public byte[]? Receive(IPEndPoint from, FrameKind kind, byte[] data, out Session? session)
    {
        session = null;
        long now = _link.NowMicros;
        Sweep(now);
        switch (kind)
        {
            case FrameKind.Hello:
                OnHello(from, data, now);
                return null;
            case FrameKind.HelloReply:
                OnReply(from, data, now);
                return null;
            case FrameKind.Sealed:
                return Open(from, data, now, out session);
            default:
                Refuse(ref _counters.Unauthenticated, "unauthenticated", $"{kind} frame from {from} outside a session");
                return null;
        }
    }

    /// <summary>True when node id <paramref name="id"/> may be used by the holder of the session's certificate.</summary>
    public bool Owns(Session session, NodeId id) => session.Ids.Contains(NodeIdentity.Mask(id, _prefixBits));

    /// <summary>Counts and logs a frame whose claimed source id is not derived from its sender's key.</summary>
    public void RefuseId(Session session, NodeId claimed)
        => Refuse(ref _counters.IdNotOwned, "id", $"host {session.Peer} ('{session.Certificate.Name}', serial {session.Certificate.Serial}) claimed node id {claimed}, which is not derived from its key");

    private void SendSealed(Session session, NodeId destination, byte[] frame, bool reliable)
    {
        if (destination != NodeId.Zero && !Owns(session, destination))
        {
            // Someone told us this id lives at that host; its certificate says otherwise: a lie or a stale entry.
            Refuse(ref _counters.IdNotOwned, "dest", $"not sending to node {destination} at {session.Peer}: the certificate there ('{session.Certificate.Name}') does not own that id");
            return;
        }

        _link.SendRaw(session.Peer, session.Seal(frame, reliable), reliable);
    }

    private Pending Start(IPEndPoint endpoint)
    {
        uint index = _nextIndex++;
        Key ephemeral = Handshake.CreateEphemeral();
        byte[] hello = Handshake.Hello(_self, index, _link.UnixMillis, ephemeral);
        var pending = new Pending(endpoint, index, ephemeral, hello);
        _pending[endpoint] = pending;
        _pendingByIndex[index] = pending;
        SendHello(pending);
        return pending;
    }

    private void SendHello(Pending pending)
    {
        if (!ReferenceEquals(_pending.GetValueOrDefault(pending.Endpoint), pending))
            return; // completed or abandoned
        if (pending.Tries >= MaxTries)
        {
            Abandon(pending);
            Interlocked.Add(ref _counters.SendFailures, pending.Waiting.Count);
            _warnings.Warn("handshake", $"no session with {pending.Endpoint} after {MaxTries} hellos: {pending.Waiting.Count} frame(s) dropped (is a certified host of this deployment there?)");
            return;
        }

        pending.Tries++;
        Interlocked.Increment(ref _counters.HandshakesSent);
        _link.SendRaw(pending.Endpoint, pending.Hello, reliable: false);
        _link.Schedule(RetryMicros << (pending.Tries - 1), () => SendHello(pending));
    }

    private void OnHello(IPEndPoint from, byte[] data, long now)
    {
        if (!_handshakes.TryAcquire(from, now))
        {
            Interlocked.Increment(ref _counters.RateLimited);
            return;
        }

        if (!Handshake.TryReadHello(data, out Handshake.Parsed hello, out string? error))
        {
            Refuse(ref _counters.HandshakesRefused, "hello", $"hello from {from} refused: {error}");
            return;
        }

        if (!CheckPeer(from, hello.Certificate, "hello"))
            return;
        long skew = Math.Abs(_link.UnixMillis - hello.UnixMillis);
        if (skew > FreshnessMillis)
        {
            Refuse(ref _counters.HandshakesRefused, "hello", $"hello from {from} ('{hello.Certificate.Name}') refused: its clock is {skew / 1000} s from ours (at most {FreshnessMillis / 1000} s)");
            return;
        }

        string replayKey = Convert.ToBase64String(hello.Ephemeral);
        if (_seenHellos.ContainsKey(replayKey))
        {
            Refuse(ref _counters.Replayed, "replay", $"replayed hello from {from} ('{hello.Certificate.Name}') refused");
            return;
        }

        if (_seenHellos.Count >= MaxRememberedHellos)
        {
            Refuse(ref _counters.HandshakesRefused, "hello", $"hello from {from} refused: {MaxRememberedHellos} hellos in {FreshnessMillis / 1000} s");
            return;
        }

        _seenHellos[replayKey] = now;
        using Key ephemeral = Handshake.CreateEphemeral();
        uint index = _nextIndex++;
        byte[] reply = Handshake.Reply(_self, index, hello.SenderIndex, ephemeral, data);
        if (Handshake.DeriveKeys(ephemeral, hello.Ephemeral, data, reply) is not { } keys)
        {
            Refuse(ref _counters.HandshakesRefused, "hello", $"hello from {from} refused: its ephemeral key is not a usable X25519 point");
            return;
        }

        Session session = Add(index, hello.SenderIndex, from, hello.Certificate, send: keys.ResponderToInitiator, receive: keys.InitiatorToResponder, now);
        Interlocked.Increment(ref _counters.HandshakesAccepted);
        _link.SendRaw(from, reply, reliable: false);
        // Frames we had waiting for our own hello to that host can go now.
        if (_pending.TryGetValue(from, out Pending? pending))
            Complete(pending, session);
    }

    private void OnReply(IPEndPoint from, byte[] data, long now)
    {
        if (data.Length < 11 || !_pendingByIndex.TryGetValue(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(7)), out Pending? pending) || !pending.Endpoint.Equals(from))
        {
            Refuse(ref _counters.Unauthenticated, "reply", $"reply from {from} to no hello of ours");
            return;
        }

        if (!Handshake.TryReadReply(data, pending.Hello, out Handshake.Parsed reply, out string? error))
        {
            Refuse(ref _counters.HandshakesRefused, "reply", $"reply from {from} refused: {error}");
            return;
        }

        if (!CheckPeer(from, reply.Certificate, "reply"))
            return;
        if (Handshake.DeriveKeys(pending.Ephemeral, reply.Ephemeral, pending.Hello, data) is not { } keys)
        {
            Refuse(ref _counters.HandshakesRefused, "reply", $"reply from {from} refused: its ephemeral key is not a usable X25519 point");
            return;
        }

        Session session = Add(pending.Index, reply.SenderIndex, from, reply.Certificate, send: keys.InitiatorToResponder, receive: keys.ResponderToInitiator, now);
        Interlocked.Increment(ref _counters.HandshakesAccepted);
        Complete(pending, session);
    }

    private bool CheckPeer(IPEndPoint from, Certificate certificate, string what)
    {
        string? problem = _self.Check(certificate, _link.UnixMillis / 1000)
            ?? (certificate.Role != CertificateRole.Node ? $"certificate '{certificate.Name}' is for an {certificate.Role.ToString().ToLowerInvariant()}, not a node" : null);
        if (problem is null)
            return true;
        Refuse(ref _counters.HandshakesRefused, what, $"{what} from {from} refused: {problem}");
        return false;
    }

    private Session Add(uint localIndex, uint peerIndex, IPEndPoint peer, Certificate certificate, Key send, Key receive, long now)
    {
        if (!_idsBySerial.TryGetValue(certificate.Serial, out HashSet<UInt128>? ids))
            _idsBySerial[certificate.Serial] = ids = NodeIdentity.Suffixes(certificate, _prefixBits);
        long expires = Math.Min(now + SessionMicros, now + ((certificate.NotAfter * 1000) - _link.UnixMillis) * 1000);
        var session = new Session(localIndex, peerIndex, peer, certificate, ids, send, receive, now, expires) { LastReceivedMicros = now };
        // A peer that restarted or answered twice: keep a few of its sessions (frames in flight), drop the oldest.
        Session[] same = [.. _byIndex.Values.Where(s => s.Peer.Equals(peer)).OrderBy(s => s.CreatedMicros)];
        for (int i = 0; i <= same.Length - MaxSessionsPerPeer; i++)
            Remove(same[i]);
        _byIndex[localIndex] = session;
        _current[peer] = session;
        _authenticated[peer] = 0;
        return session;
    }

    private void Complete(Pending pending, Session session)
    {
        _pending.Remove(pending.Endpoint); // no more hellos; new frames take the session
        foreach ((NodeId destination, byte[] frame, bool reliable) in pending.Waiting)
            SendSealed(session, destination, frame, reliable);
        pending.Waiting.Clear();
        if (session.LocalIndex == pending.Index)
        {
            Abandon(pending);
            return;
        }

        // Both sides said hello at once: the peer may already send on the session our hello opens there, so our
        // hello's reply must still complete it. Forget the hello only after it had time to be answered.
        _link.Schedule(RetryMicros << MaxTries, () =>
        {
            if (ReferenceEquals(_pendingByIndex.GetValueOrDefault(pending.Index), pending))
                Abandon(pending);
        });
    }

    private void Abandon(Pending pending)
    {
        if (ReferenceEquals(_pending.GetValueOrDefault(pending.Endpoint), pending))
            _pending.Remove(pending.Endpoint);
        _pendingByIndex.Remove(pending.Index);
        pending.Ephemeral.Dispose();
    }

    private byte[]? Open(IPEndPoint from, byte[] data, long now, out Session? session)
    {
        session = null;
        if (data.Length < Session.Overhead || !_byIndex.TryGetValue(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(2)), out Session? found)
            || !found.Peer.Equals(from) || now > found.ExpiresMicros + KeepReceivingMicros)
        {
            Refuse(ref _counters.Unauthenticated, "sealed", $"sealed frame from {from} for no session of ours");
            return null;
        }

        byte[]? inner = found.Open(data, out SealRefusal refusal);
        switch (refusal)
        {
            case SealRefusal.Replayed:
                Refuse(ref _counters.Replayed, "replay", $"replayed or too old frame from {from} ('{found.Certificate.Name}') dropped");
                return null;
            case SealRefusal.Forged or SealRefusal.Malformed:
                Refuse(ref _counters.Unauthenticated, "forged", $"frame from {from} fails authentication ({refusal.ToString().ToLowerInvariant()}): dropped");
                return null;
            default:
                found.LastReceivedMicros = now;
                session = found;
                return inner;
        }
    }

    private void Refuse(ref long counter, string category, string message)
    {
        Interlocked.Increment(ref counter);
        _warnings.Warn(category, message);
    }

    private void Sweep(long now)
    {
        if (now - _lastSweep < 5_000_000)
            return;
        _lastSweep = now;
        foreach (Session session in _byIndex.Values.Where(s => now > s.ExpiresMicros + KeepReceivingMicros).ToArray())
            Remove(session);
        long forgetBefore = now - (2 * FreshnessMillis * 1000);
        foreach (string key in _seenHellos.Where(p => p.Value < forgetBefore).Select(p => p.Key).ToArray())
            _seenHellos.Remove(key);
        if (_idsBySerial.Count > 4 * (_byIndex.Count + 16))
            _idsBySerial.Clear(); // rebuilt on the next handshake of each peer
    }

    private void Remove(Session session)
    {
        _byIndex.Remove(session.LocalIndex);
        if (_current.TryGetValue(session.Peer, out Session? current) && ReferenceEquals(current, session))
        {
            _current.Remove(session.Peer);
            _authenticated.TryRemove(session.Peer, out _);
        }

        session.Dispose();
    }

    public void Dispose()
    {
        foreach (Session session in _byIndex.Values)
            session.Dispose();
        foreach (Pending pending in _pendingByIndex.Values)
            pending.Ephemeral.Dispose();
        _byIndex.Clear();
        _authenticated.Clear();
        _pending.Clear();
        _pendingByIndex.Clear();
    }

    private sealed class Pending(IPEndPoint endpoint, uint index, Key ephemeral, byte[] hello)
    {
        public IPEndPoint Endpoint { get; } = endpoint;

        public uint Index { get; } = index;

        public Key Ephemeral { get; } = ephemeral;

        public byte[] Hello { get; } = hello;

        public int Tries { get; set; }

        public List<(NodeId Destination, byte[] Frame, bool Reliable)> Waiting { get; } = [];
    }
}
