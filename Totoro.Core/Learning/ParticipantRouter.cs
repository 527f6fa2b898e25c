using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// The interior nodes' client-selector role for an FL app: send the round's model only down the subtrees that hold
/// one of the round's participants. Each node learns which child leads to which worker from the reports that climb
/// through it (participants' reports and non-participants' declines alike), so from the second round on a model
/// travels only towards the workers that will train on it. A participant it cannot place (new, or moved) sends the
/// model down every child, and so does one placed at a peer that is no longer a child; a participant routed to a
/// child whose answer does not mention it is forgotten, so a worker that moved is found again next round. One instance per node and app: what it learns is that node's own.
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

    public int Select(NodeId app, int round, Payload payload, ReadOnlySpan<PeerHandle> children, Span<PeerHandle> chosen, INodeContext context)
    {
        byte[]? list = payload.Attachment;
        _routed.Clear();
        int participants = ParticipantList.Count(list);
        if (list is null || participants == 0)
            return AllChildren.Instance.Select(app, round, payload, children, chosen, context);

        var wanted = new HashSet<PeerHandle>();
        for (int i = 0; i < participants; i++)
        {
            int worker = ParticipantList.WorkerAt(list, i);
            // Placed at a peer that is no child any more (it moved away, under another child here or elsewhere): its
            // answer will never come to forget the place, so the worker counts as unplaced and the reports re-place it.
            if (!_below.TryGetValue(worker, out PeerHandle child) || (child != context.Self && !children.Contains(child)))
            {
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
            _below[report.Worker] = child;

        // A participant sent down this child that the child's answer does not mention has moved: forget its place.
        foreach ((int worker, PeerHandle via) in _routed)
        {
            if (via == child && !reports.Exists(r => r.Worker == worker) && _below.TryGetValue(worker, out PeerHandle at) && at == child)
                _below.Remove(worker);
        }
    }
}
