using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// The interior nodes' client-selector role for an FL app: send the round's model only down the subtrees that hold
/// one of the round's participants. Each node learns which child leads to which worker from the reports that climb
/// through it (participants' reports and non-participants' declines alike), so from the second round on a model
/// travels only towards the workers that will train on it. At the root, a participant it cannot place (new, or
/// moved, or placed at a peer that is no longer a child) sends the model down every child. Below the root the
/// broadcast names the participants of every subtree, so one never placed here is not below this node (a worker that
/// moves or joins below is under a child the forest marks grown, which gets the round anyway); a participant routed
/// to a child whose answer does not mention it is forgotten and looked for down every child for one round, so a worker
/// that moved is found again. One instance per node and app: what it learns is that node's own.
/// </summary>
public sealed class ParticipantRouter : IChildSelector
{
    public const string SelectorName = "participants";

    /// <summary>Which child leads to each worker (the node itself for its own worker).</summary>
    private readonly Dictionary<int, PeerHandle> _below = [];

    /// <summary>The current round's participants and the child each was sent down.</summary>
    private readonly List<(int Worker, PeerHandle Child)> _routed = [];

    public string Name => SelectorName;

    /// <summary>Workers this router can place (for tests and memory accounting).</summary>
    public int KnownPlacements => _below.Count;

    /// <summary>Workers placed below this node whose answer went missing, and the round sent down every child to find them (-1: none yet); made on first use.</summary>
    private Dictionary<int, int>? _lost;

    public int Select(NodeId app, int round, Payload payload, ReadOnlySpan<PeerHandle> children, Span<PeerHandle> chosen, INodeContext context)
        => Select(app, round, payload, children, chosen, context, atRoot: true);

    /// <summary>
    /// The round goes down the children that lead to its participants. One this node cannot place is looked for down
    /// every child at the root, where every worker is, and below it only when it was placed here and went missing (for
    /// one round); any other is not below this node (the broadcast names every participant of the app). A worker that
    /// moved or joined below since is under a child the forest marked grown, which gets the round anyway.
    /// </summary>
    public int Select(NodeId app, int round, Payload payload, ReadOnlySpan<PeerHandle> children, Span<PeerHandle> chosen, INodeContext context, bool atRoot)
    {
        byte[]? list = payload.Attachment;
        _routed.Clear();
        int participants = ParticipantList.Count(list);
        if (list is null || participants == 0 || _below.Count == 0)
            return AllChildren.Instance.Select(app, round, payload, children, chosen, context); // nothing to place by yet

        var wanted = new HashSet<PeerHandle>();
        for (int i = 0; i < participants; i++)
        {
            int worker = ParticipantList.WorkerAt(list, i);
            // Placed at a peer that is no child any more (it moved away, under another child here or elsewhere): its
            // answer will never come to forget the place, so the worker counts as unplaced and the reports re-place it.
            if (!_below.TryGetValue(worker, out PeerHandle child) || (child != context.Self && !children.Contains(child)))
            {
                if (!atRoot && !LookFor(worker, round))
                    continue; // not below this node
                _routed.Clear();
                return AllChildren.Instance.Select(app, round, payload, children, chosen, context); // cannot place it
            }

            if (child == context.Self)
                continue; // the worker is this node itself
            wanted.Add(child);
            _routed.Add((worker, child));
        }

        int n = 0;
        foreach (PeerHandle child in children)
        {
            if (wanted.Contains(child))
                chosen[n++] = child;
        }

        return n;
    }

    public void Observe(NodeId app, PeerHandle child, Payload contribution, INodeContext context)
    {
        List<WorkerReport> reports = WorkerReport.DecodeAll(contribution.Attachment);
        foreach (WorkerReport report in reports)
        {
            _below[report.Worker] = child;
            _lost?.Remove(report.Worker);
        }

        // A participant sent down this child that the child's answer does not mention has moved (or missed the round):
        // forget its place, and look for it down every child once.
        foreach ((int worker, PeerHandle via) in _routed)
        {
            if (via == child && !reports.Exists(r => r.Worker == worker) && _below.TryGetValue(worker, out PeerHandle at) && at == child)
            {
                _below.Remove(worker);
                (_lost ??= [])[worker] = -1;
            }
        }
    }

    /// <summary>Whether an unplaced worker is looked for down every child this round: it went missing here, and was not looked for in an earlier round.</summary>
    private bool LookFor(int worker, int round)
    {
        if (_lost is null || !_lost.TryGetValue(worker, out int lookedAt))
            return false;
        if (lookedAt >= 0 && lookedAt != round)
        {
            _lost.Remove(worker); // looked for everywhere below once, and not found: it is elsewhere
            return false;
        }

        _lost[worker] = round;
        return true;
    }
}
