using System.Diagnostics;
using System.Net;
using Totoro.Core.Runtime;
using Totoro.Net.Security;
using Totoro.Net.Transport;

namespace Totoro.Net.Tests;

/// <summary>
/// A process that is not a host of the overlay, built on the project's own public transport, codec and (when it has
/// credentials) secure channel: it sends whatever frames a test wants and records the sealed datagrams it sent.
/// </summary>
internal sealed class Intruder : ISecureLink, IDisposable
{
    private readonly UdpTransport _transport = new();
    private readonly SecureChannel? _channel;
    private readonly Lock _lock = new();
    private readonly List<(long Due, Action Task)> _timers = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Thread _pump;
    private volatile bool _stopping;

    public Intruder(Credentials? credentials)
    {
        _transport.Start(new IPEndPoint(IPAddress.Loopback, 0));
        if (credentials is not null)
            _channel = new SecureChannel(credentials, 0, this, new TransportCounters(), _ => { });
        _pump = new Thread(Pump) { IsBackground = true };
        _pump.Start();
    }

    public EndpointDirectory Directory { get; } = new();

    /// <summary>Record sealed datagrams without sending them (seeds for fuzzing).</summary>
    public bool Capture { get; set; }

    /// <summary>Every sealed datagram this intruder sent (or captured), in order.</summary>
    public List<byte[]> SentSealed { get; } = [];

    public int Sessions
    {
        get
        {
            lock (_lock)
                return _channel?.Sessions ?? 0;
        }
    }

    public long NowMicros => (long)_clock.Elapsed.TotalMicroseconds;

    public long UnixMillis => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>A node frame from <paramref name="source"/> (any id it likes to claim) to <paramref name="destination"/> at <paramref name="to"/>, sealed if it can.</summary>
    public void Send(IPEndPoint to, NodeId destination, NodeId source, in Message message, bool reliable = false)
    {
        byte[] frame = Frame.Node(destination, source, message, Directory);
        lock (_lock)
        {
            if (_channel is not null)
                _channel.Send(to, destination, frame, reliable);
            else
                _transport.Send(to, frame, reliable);
        }
    }

    /// <summary>Raw bytes, as captured or mutated.</summary>
    public void SendRaw(IPEndPoint to, byte[] frame, bool reliable)
    {
        if (frame.Length > 1 && frame[1] == (byte)FrameKind.Sealed)
        {
            lock (SentSealed)
                SentSealed.Add(frame);
            if (Capture)
                return;
        }

        _transport.Send(to, frame, reliable);
    }

    public void Schedule(long delayMicros, Action task)
    {
        lock (_lock)
            _timers.Add((NowMicros + delayMicros, task));
    }

    /// <summary>Waits until the channel has a session (true) or the timeout passes.</summary>
    public bool WaitForSession(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Sessions > 0)
                return true;
            Thread.Sleep(20);
        }

        return false;
    }

    private void Pump()
    {
        while (!_stopping)
        {
            while (_transport.TryReceive(out Datagram datagram))
            {
                if (_channel is null || !Frame.TryRead(datagram.Data, out FrameKind kind, out _) || kind is not (FrameKind.Hello or FrameKind.HelloReply or FrameKind.Sealed))
                    continue;
                lock (_lock)
                    _channel.Receive(datagram.From, kind, datagram.Data, out _);
            }

            (long, Action)[] due;
            lock (_lock)
            {
                long now = NowMicros;
                due = [.. _timers.Where(t => t.Due <= now)];
                _timers.RemoveAll(t => t.Due <= now);
            }

            foreach ((_, Action task) in due)
            {
                lock (_lock)
                    task();
            }

            _transport.Signal.WaitOne(TimeSpan.FromMilliseconds(20));
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _pump.Join();
        _transport.Dispose();
        _channel?.Dispose();
    }
}
