using System.Globalization;
using System.Net;
using System.Text;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;
using Totoro.Net.Hosting;
using Totoro.Net.Transport;

namespace Totoro.Net.Control;

/// <summary>
/// A host's side of the control protocol. Requests that need another node's answer (an app's status from its
/// master, where a lookup ends) are sent through the overlay as lookups from this host's first node; the node that
/// delivers them answers this host with a notice, and this host answers the client. Runs on the event loop.
/// </summary>
internal sealed class ControlService(NodeHost host)
{
    private const long PendingMicros = 5_000_000;

    private readonly Dictionary<long, (IPEndPoint Client, long RequestId, long Expires)> _pending = [];
    private long _nextCorr = 1;
    private long _lastSweep;

    public void OnRequest(IPEndPoint client, ReadOnlySpan<byte> json)
    {
        if (!ControlJson.TryDeserialize(json, out ControlRequest? request, out string? error))
        {
            Interlocked.Increment(ref host.Counters.DecodeFailures);
            host.Log.Debug($"bad control request from {client}: {error}");
            return;
        }

        Sweep();
        ControlResponse? response = request!.Op switch
        {
            "info" => new ControlResponse(request.Id, true) { Info = Info() },
            "list" => new ControlResponse(request.Id, true) { Apps = [.. host.Apps.Summaries] },
            "submit" => Submit(request),
            "status" => Probe(client, request),
            "lookup" => Probe(client, request),
            _ => Fail(request, $"unknown op '{request.Op}': use info, submit, list, status or lookup"),
        };
        if (response is not null)
            Reply(client, response);
    }

    /// <summary>At the node a probe reached: answer the origin's host.</summary>
    public void Answer(PeerHandle origin, Notice notice)
    {
        IPEndPoint to = host.Directory.EndpointOf(origin);
        if (to.Equals(host.Endpoint))
            OnNotice(notice);
        else
            host.SendControl(to, FrameKind.Notice, ControlJson.Serialize(notice));
    }

    public void OnNotice(ReadOnlySpan<byte> json)
    {
        if (!ControlJson.TryDeserialize(json, out Notice? notice, out string? error))
        {
            Interlocked.Increment(ref host.Counters.DecodeFailures);
            host.Log.Debug($"bad notice: {error}");
            return;
        }

        OnNotice(notice!);
    }

    /// <summary>
    /// Tells every host this one knows of about an app; each passes it on when it first hears of it. The advertise–discover
    /// tree does the same for nodes that join later, but a tree whose subscribers joined while the overlay was still
    /// forming can have split roots (no root migration yet), so the hosts also spread apps among themselves.
    /// </summary>
    public void Spread(NodeId id, AdvertisedApp app)
    {
        byte[] json = ControlJson.Serialize(new Notice(0) { App = app, AppId = id.ToString() });
        foreach (IPEndPoint endpoint in host.Directory.Endpoints.ToArray())
        {
            if (!endpoint.Equals(host.Endpoint))
                host.SendControl(endpoint, FrameKind.Notice, json); // a datagram, sent again by the caller: no connection needed
        }
    }

    private void OnNotice(Notice notice)
    {
        if (notice.App is { } app && notice.AppId is { } hex && UInt128.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out UInt128 value))
        {
            host.Apps.Discovered(new NodeId(value), app);
            return;
        }

        if (!_pending.Remove(notice.Corr, out var pending))
            return; // late or duplicate
        Reply(pending.Client, new ControlResponse(pending.RequestId, true) { Status = notice.Status, Lookup = notice.Lookup });
    }

    private HostInfo Info()
    {
        var ids = new string[host.NodeCount];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = host.Node(i).Overlay.Id.ToString();
        TransportCounters c = host.Counters;
        return new HostInfo(host.Endpoint.ToString(), ids, host.JoinedCount, host.MessagesIn, host.MessagesOut,
            Interlocked.Read(ref c.DecodeFailures), Interlocked.Read(ref c.RateLimited), Interlocked.Read(ref c.UnknownDestination), host.HandlerErrors);
    }

    private ControlResponse Submit(ControlRequest request)
    {
        if (request.Spec is not { } spec)
            return Fail(request, "submit needs a spec");
        IReadOnlyList<string> problems = spec.Validate();
        if (problems.Count > 0)
            return Fail(request, string.Join("; ", problems));
        if (!host.IsJoined(0))
            return Fail(request, "this node has not joined the overlay yet: retry in a few seconds");
        NodeId id = AppId.Create(spec.Name, [], 0);
        string requirements = Encoding.UTF8.GetString(ControlJson.Serialize(new AdvertisedApp(spec, request.Seed)));
        var advertisement = new Advertisement(id, host.Options.Pastry.Columns, spec.Name, requirements);
        try
        {
            advertisement.Encode();
        }
        catch (ArgumentException)
        {
            return Fail(request, "the app spec is too long to advertise (over 1 KiB as JSON): shorten --name or --dataset-folder");
        }

        host.Apps.Register(id, new AdvertisedApp(spec, request.Seed));
        host.Node(0).Advertise(advertisement);
        host.Log.Info($"submitted app {spec.Name} ({id})");
        return new ControlResponse(request.Id, true) { Status = host.Apps.Status(id, includeModel: false) };
    }

    /// <summary>Status and lookup: route a probe from one of our nodes; the answer comes back as a notice.</summary>
    private ControlResponse? Probe(IPEndPoint client, ControlRequest request)
    {
        NodeId key;
        byte row;
        int round = 0;
        if (request.Op == "status")
        {
            if (string.IsNullOrWhiteSpace(request.Name))
                return Fail(request, "status needs the app's name");
            key = AppId.Create(request.Name, [], 0);
            row = ProbeRow.Status;
            round = request.IncludeModel ? 1 : 0;
        }
        else
        {
            if (request.Key is null || request.Key.Length != 32 || !UInt128.TryParse(request.Key, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out UInt128 value))
                return Fail(request, "lookup needs a key of 32 hex digits");
            key = new NodeId(value);
            row = ProbeRow.Trace;
        }

        int from = request.Op == "lookup" ? request.From : 0;
        if (from < 0 || from >= host.NodeCount)
            return Fail(request, $"this host runs logical nodes 0 to {host.NodeCount - 1}, not {from}");
        if (!host.IsJoined(from))
            return Fail(request, $"logical node {from} has not joined the overlay yet: retry in a few seconds");
        long corr = _nextCorr++;
        _pending[corr] = (client, request.Id, host.Now + PendingMicros);
        ForestNode node = host.Node(from);
        node.Overlay.Route(new Message
        {
            Kind = MessageKind.Lookup,
            Key = key,
            Origin = host.Directory.Add(node.Overlay.Id, host.Endpoint),
            Row = row,
            Round = round,
            Stamp = corr,
        });
        return null; // answered when the notice arrives
    }

    private void Sweep()
    {
        long now = host.Now;
        if (now - _lastSweep < 1_000_000)
            return;
        _lastSweep = now;
        foreach (var (corr, pending) in _pending.ToArray())
        {
            if (pending.Expires < now)
            {
                _pending.Remove(corr);
                Reply(pending.Client, new ControlResponse(pending.RequestId, false) { Error = "no answer through the overlay within 5 s (the key's node may be unreachable)" });
            }
        }
    }

    private void Reply(IPEndPoint client, ControlResponse response) => host.SendControl(client, FrameKind.Response, ControlJson.Serialize(response));

    private static ControlResponse Fail(ControlRequest request, string error) => new(request.Id, false) { Error = error };
}
