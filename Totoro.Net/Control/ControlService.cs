using System.Globalization;
using System.Net;
using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Net.Hosting;
using Totoro.Net.Transport;

namespace Totoro.Net.Control;

/// <summary>
/// A host's control endpoint: a client's JSON request becomes a message of the protocol core sent by this host's
/// first node — a submit, status, stop or model request routed to the app's id and answered by its root, or a traced
/// lookup answered by the node closest to the key — and the answer, matched by its stamp, becomes the JSON response.
/// Nothing here is a protocol of its own between hosts. Runs on the event loop; every request has a deadline.
/// </summary>
internal sealed class ControlService(NodeHost host)
{
    private const long PendingMicros = 5_000_000;

    /// <summary>A submit first loads the app's data here (Fashion-MNIST takes seconds), then asks the root.</summary>
    private const long SubmitPendingMicros = 25_000_000;

    /// <summary>How long a model answered in parts stays here for the client to ask for the rest.</summary>
    private const long HoldMicros = 120_000_000;

    /// <summary>Models held for their remaining parts at once; a further one drops the oldest.</summary>
    private const int MaxHeld = 4;

    private readonly Dictionary<long, Pending> _pending = [];
    private readonly List<HeldModel> _held = [];
    private long _nextCorr = 1;
    private long _lastSweep;
    private bool _subscribed;

    /// <param name="signer">The operator certificate that signed the request (checked by the host), or null for one from loopback.</param>
    public void OnRequest(IPEndPoint client, ReadOnlySpan<byte> json, Security.Certificate? signer)
    {
        if (!ControlJson.TryDeserialize(json, out ControlRequest? request, out string? error))
        {
            Interlocked.Increment(ref host.Counters.DecodeFailures);
            host.Log.Debug($"bad control request from {client}: {error}");
            return;
        }

        Interlocked.Increment(ref host.Counters.ControlRequests);
        Listen();
        Sweep();
        ControlResponse? response = request!.Op switch
        {
            "info" => new ControlResponse(request.Id, true) { Info = Info() },
            "list" => new ControlResponse(request.Id, true) { Apps = [.. Summaries()] },
            "submit" => Submit(client, request),
            "status" or "stop" or "model" => AskRoot(client, request),
            "lookup" => Trace(client, request),
            _ => Fail(request, $"unknown op '{request.Op}': use info, submit, list, status, stop, model or lookup"),
        };
        if (response is not null)
            Reply(client, response);
    }

    private void Listen()
    {
        if (_subscribed)
            return;
        _subscribed = true;
        host.Apps.Answered += OnAnswer;
        host.Apps.Traced += OnTraced;
    }

    private HostInfo Info()
    {
        var ids = new string[host.NodeCount];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = host.Node(i).Overlay.Id.ToString();
        TransportCounters c = host.Counters;
        return new HostInfo(host.Endpoint.ToString(), ids, host.JoinedCount, host.MessagesIn, host.MessagesOut,
            Interlocked.Read(ref c.DecodeFailures), Interlocked.Read(ref c.RateLimited), Interlocked.Read(ref c.UnknownDestination), host.HandlerErrors)
        {
            AuthenticationFailures = c.AuthenticationFailures + host.Apps.OwnershipRefusals,
            TreeBytesIn = host.TreeBytesIn,
            TreeBytesOut = host.TreeBytesOut,
        };
    }

    private IEnumerable<AppSummary> Summaries() => host.Apps.Known.Select(a => new AppSummary(
        a.Info.Spec.Name, a.Id.ToString(), a.Info.Spec.Model, a.Info.Spec.Dataset, a.Info.Spec.Workers, a.Info.Spec.Rounds, a.Info.Spec.ClientsPerRound, a.Info.Spec.Rule));

    /// <summary>
    /// Loads the app's data here (the descriptor names the model's size, and this host serves the app too), then
    /// routes the descriptor to the app's root, which refuses a name already taken by another spec and advertises a
    /// new app to every node.
    /// </summary>
    private ControlResponse? Submit(IPEndPoint client, ControlRequest request)
    {
        if (request.Spec is not { } spec)
            return Fail(request, "submit needs a spec");
        IReadOnlyList<string> problems = spec.Validate();
        if (problems.Count > 0)
            return Fail(request, string.Join("; ", problems));
        if (request.MinWorkers < 1 || request.StartAfterSeconds < 0)
            return Fail(request, "--min-workers must be at least 1 and --start-after 0 or more seconds");
        if (!host.IsJoined(0))
            return Fail(request, "this node has not joined the overlay yet: retry in a few seconds");
        if (!TryHex(request.Creator, AppOwnership.KeyBytes, out byte[] creator) || !TryHex(request.Signature, AppOwnership.SignatureBytes, out byte[] signature))
            return Fail(request, $"a creator key is {AppOwnership.KeyBytes} bytes and a signature {AppOwnership.SignatureBytes}, in hex");
        NodeId id = AppId.Create(spec.Name, creator, request.Salt);
        var claim = new LearningAppInfo(spec, request.Seed, 1, Timing: false) { Creator = creator, Salt = request.Salt, Signature = signature };
        if (AppOwnership.CheckClaim(id, spec.Name, claim, host.Options.Credentials is null ? null : Security.Ed25519Check.Instance) is { } refusal)
            return Refuse(client, request, $"submit of app '{spec.Name}' refused: {refusal}");
        long corr = Expect(client, request, id, SubmitPendingMicros);
        host.Apps.Load(spec, request.Seed, (workload, error) =>
        {
            if (workload is null)
            {
                Finish(corr, new ControlResponse(request.Id, false) { Error = error });
                return;
            }

            var options = new TreeOptions { Fanout = host.Options.Pastry.Columns, RoundDeadlineMicros = spec.RoundDeadlineMs * 1000L };
            var info = new LearningAppInfo(spec, request.Seed, workload.Model.ParameterCount, Timing: false)
            {
                MinWorkers = request.MinWorkers,
                StartAfterMs = (int)Math.Min(int.MaxValue, request.StartAfterSeconds * 1000L),
                Creator = creator,
                Salt = request.Salt,
                Signature = signature,
            };
            IChildSelector router = new ParticipantRouter();
            var descriptor = new AppDescriptor(id, spec.Name, options, ServerRules.Merge(spec, workload.Model.ParameterCount), NoCompression.Instance, router)
            {
                Application = info.Encode(),
            };
            byte[] bytes;
            try
            {
                bytes = descriptor.Encode();
            }
            catch (ArgumentException ex)
            {
                Finish(corr, new ControlResponse(request.Id, false) { Error = $"the app's spec is too long to advertise: {ex.Message}" });
                return;
            }

            LearningNode.Ask(host.Node(0), LearningOp.Submit, id, corr, bytes);
            host.Log.Info($"submitted app {spec.Name} ({id})");
        });
        return null; // answered when the root accepts or refuses
    }

    /// <summary>Status, stop and model: asked of the app's root through the overlay.</summary>
    private ControlResponse? AskRoot(IPEndPoint client, ControlRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Name) && request.AppId is null)
            return Fail(request, $"{request.Op} needs the app's name");
        if (!host.IsJoined(0))
            return Fail(request, "this node has not joined the overlay yet: retry in a few seconds");
        if (ResolveApp(request, out string? problem) is not { } id)
            return Fail(request, problem!);
        if (!TryHex(request.Signature, AppOwnership.SignatureBytes, out byte[] signature))
            return Fail(request, $"a signature is {AppOwnership.SignatureBytes} bytes in hex");
        if (request.Op == "model" && request.Part > 0)
            return HeldPart(request, id);
        LearningOp op = request.Op switch
        {
            "stop" => LearningOp.Stop,
            "model" => LearningOp.ModelQuery,
            _ => request.IncludeModel ? LearningOp.ModelQuery : LearningOp.StatusQuery,
        };
        LearningNode.Ask(host.Node(0), op, id, Expect(client, request, id), op == LearningOp.Stop ? signature : null);
        return null;
    }

    /// <summary>A later part of a model this host answered part 0 of (ModelParts): from its copy, not the root again.</summary>
    private ControlResponse HeldPart(ControlRequest request, NodeId id)
    {
        string app = id.ToString();
        if (_held.Find(h => h.Status.AppId == app) is not { } held)
            return Fail(request, $"this host holds no model of app {app} to answer part {request.Part} from (held {HoldMicros / 1_000_000} s after part 0): fetch it again from part 0");
        if (request.Part >= ModelParts.CountOf(held.Model.Length))
            return Fail(request, $"app {app}'s model has {ModelParts.CountOf(held.Model.Length)} parts, not part {request.Part}");
        return new ControlResponse(request.Id, true) { Status = ModelParts.Part(held.Status, held.Model, request.Part) };
    }

    /// <summary>
    /// The app a status, stop or model request means: its id if given; else hash(name, creator, salt) if the creator is
    /// given; else the one app of that name this host knows (an app nobody owns when it knows none).
    /// </summary>
    private NodeId? ResolveApp(ControlRequest request, out string? problem)
    {
        problem = null;
        if (request.AppId is { } hex)
        {
            if (hex.Length == 32 && UInt128.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out UInt128 value))
                return new NodeId(value);
            problem = "an app id is 32 hex digits";
            return null;
        }

        if (request.Creator is not null)
        {
            if (TryHex(request.Creator, AppOwnership.KeyBytes, out byte[] creator))
                return AppId.Create(request.Name!, creator, request.Salt);
            problem = $"a creator key is {AppOwnership.KeyBytes} bytes in hex";
            return null;
        }

        // The apps this host serves, and every app its nodes heard announced: a host still loading an app's data
        // (a big model's, on a busy machine) knows its name from the announcement already.
        NodeId[] named = [.. host.Apps.Known.Where(a => a.Info.Spec.Name == request.Name).Select(a => a.Id).Concat(Announced(request.Name!)).Distinct()];
        if (named.Length > 1)
        {
            problem = $"{named.Length} apps are named '{request.Name}' (ids {string.Join(", ", named)}): name one by its id";
            return null;
        }

        return named.Length == 1 ? named[0] : AppId.Create(request.Name!, [], 0);
    }

    private IEnumerable<NodeId> Announced(string name)
    {
        for (int i = 0; i < host.NodeCount; i++)
        {
            foreach (byte[] bytes in host.Node(i).Catalogue)
            {
                if (Advertisement.TryDecode(bytes, out Advertisement? advertisement, out _) && advertisement!.Name == name)
                    yield return advertisement.App;
            }
        }
    }

    private static bool TryHex(string? text, int length, out byte[] bytes)
    {
        bytes = [];
        if (text is null)
            return true;
        try
        {
            bytes = Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            return false;
        }

        return bytes.Length == length;
    }

    /// <summary>A request refused for its authority (not its form): counted and logged at warning level, and answered.</summary>
    private ControlResponse Refuse(IPEndPoint client, ControlRequest request, string reason)
    {
        Interlocked.Increment(ref host.Counters.ControlRefused);
        host.Log.Warn($"control request from {client}: {reason}");
        return Fail(request, reason);
    }

    private ControlResponse? Trace(IPEndPoint client, ControlRequest request)
    {
        if (request.Key is null || request.Key.Length != 32 || !UInt128.TryParse(request.Key, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out UInt128 value))
            return Fail(request, "lookup needs a key of 32 hex digits");
        int from = request.From;
        if (from < 0 || from >= host.NodeCount)
            return Fail(request, $"this host runs logical nodes 0 to {host.NodeCount - 1}, not {from}");
        if (!host.IsJoined(from))
            return Fail(request, $"logical node {from} has not joined the overlay yet: retry in a few seconds");
        var key = new NodeId(value);
        long corr = Expect(client, request, key);
        host.Node(from).RouteToKey(key, HostedApps.TraceTag, Payload.SizeOnly(0, 0), corr);
        return null;
    }

    private void OnTraced(long corr, PeerHandle node, NodeId id, int hops)
    {
        if (_pending.TryGetValue(corr, out Pending? pending))
            Finish(corr, new ControlResponse(pending.RequestId, true) { Lookup = new LookupResult(pending.Key.ToString(), id.ToString(), hops) });
    }

    private void OnAnswer(long corr, PeerHandle root, LearningMessage answer)
    {
        if (!_pending.TryGetValue(corr, out Pending? pending))
            return; // late or duplicate
        string rootEndpoint = host.Directory.EndpointOf(root).ToString();
        string rootId = host.Node(0).IdOf(root).ToString();
        switch (answer.Op)
        {
            case LearningOp.Submitted:
                bool accepted = answer.Body is [0, ..];
                string reason = accepted ? "" : System.Text.Encoding.UTF8.GetString(answer.Body.AsSpan(1));
                Finish(corr, accepted
                    ? new ControlResponse(pending.RequestId, true) { Status = new AppStatus(pending.Name, answer.App.ToString(), true) { Root = rootId, RootEndpoint = rootEndpoint } }
                    : new ControlResponse(pending.RequestId, false) { Error = reason });
                break;
            case LearningOp.Refused:
                string why = System.Text.Encoding.UTF8.GetString(answer.Body);
                Interlocked.Increment(ref host.Counters.ControlRefused);
                host.Log.Warn($"app {pending.Name} ({answer.App}): its root refused a request from {pending.Client}: {why}");
                Finish(corr, new ControlResponse(pending.RequestId, false) { Error = why });
                break;
            case LearningOp.Status or LearningOp.Model when AppProgress.TryDecode(answer.Body, out AppProgress? progress):
                var status = new AppStatus(progress!, answer.App.ToString()) { Root = rootId, RootEndpoint = rootEndpoint, Model = answer.Model };
                if (answer.Model is { Length: > ModelParts.PartFloats } model)
                {
                    // Too big for one control frame: part 0 now, the rest from here as the client asks (ModelParts).
                    _held.RemoveAll(h => h.Status.AppId == status.AppId);
                    if (_held.Count >= MaxHeld)
                        _held.RemoveAt(0);
                    _held.Add(new HeldModel(status with { Model = null }, model, host.Now + HoldMicros));
                    status = ModelParts.Part(status, model, 0);
                }

                Finish(corr, new ControlResponse(pending.RequestId, true) { Status = status });
                break;
            default:
                break;
        }
    }

    private long Expect(IPEndPoint client, ControlRequest request, NodeId key, long waitMicros = PendingMicros)
    {
        long corr = _nextCorr++;
        _pending[corr] = new Pending(client, request.Id, host.Now + waitMicros, waitMicros, request.Name ?? request.Spec?.Name ?? "", key);
        return corr;
    }

    private void Finish(long corr, ControlResponse response)
    {
        if (_pending.Remove(corr, out Pending? pending))
            Reply(pending.Client, response);
    }

    private void Sweep()
    {
        long now = host.Now;
        if (now - _lastSweep < 1_000_000)
            return;
        _lastSweep = now;
        _held.RemoveAll(h => h.Until < now);
        foreach ((long corr, Pending pending) in _pending.ToArray())
        {
            if (pending.Expires < now)
                Finish(corr, new ControlResponse(pending.RequestId, false) { Error = $"no answer through the overlay within {pending.WaitMicros / 1_000_000} s (the key's node may be unreachable)" });
        }
    }

    private void Reply(IPEndPoint client, ControlResponse response) => host.SendControl(client, FrameKind.Response, ControlJson.Serialize(response), reliable: response.Status?.Model is not null);

    private static ControlResponse Fail(ControlRequest request, string error) => new(request.Id, false) { Error = error };

    private sealed record HeldModel(AppStatus Status, float[] Model, long Until);

    private sealed record Pending(IPEndPoint Client, long RequestId, long Expires, long WaitMicros, string Name, NodeId Key);
}
