using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// One tree's round in flight at one node: who is expected, who has answered, and the merge so far. The node keeps one
/// per tree and reuses it round after round (its buffers too). Weighted sums of vectors accumulate in place, so a round
/// costs one vector however many children answer, and the workers' reports (attachments) are joined once, when the
/// round closes, not at every merge. The result is exactly what merging pairwise in arrival order gives
/// (<see cref="ContributionMerge"/>): the same float additions in the same order.
/// </summary>
internal sealed class RoundAggregation
{
    private PeerHandle[] _expected = [];
    private bool[] _arrived = [];
    private int _expectedCount;
    private bool _selfArrived;
    private int _received;

    private IAggregationRule _rule = WeightedSumRule.Instance;
    private Payload? _merged;   // the merge so far, unless a sum is accumulating in place
    private float[]? _sum;       // Σ wᵢ·xᵢ accumulated in place (weighted sums of vectors)
    private double _sumWeight;
    private readonly List<byte[]> _reports = [];  // attachments of merged contributions, in arrival order
    private readonly List<byte[]> _declined = []; // attachments of those who sat the round out: they travel last

    /// <summary>The round in flight, or −1 between rounds.</summary>
    public int Round { get; private set; } = -1;

    public bool InFlight => Round >= 0;

    /// <summary>This node's own contribution is awaited (it is a subscriber).</summary>
    public bool SelfExpected { get; private set; }

    /// <summary>Hops from the root, learned from the round's broadcast.</summary>
    public int Depth { get; private set; }

    /// <summary>When this node forwards what it has (0: wait for everyone).</summary>
    public long Cutoff { get; private set; }

    /// <summary>
    /// Content bytes of the model this round sent down: no update to it is larger, so a child's first chunk naming a
    /// bigger whole is refused before any sum is made for it.
    /// </summary>
    public int ModelBytes { get; private set; } = Payload.MaxBytes;

    /// <summary>Contributions merged so far (a subtree's count, as its aggregate said).</summary>
    public long Contributions { get; private set; }

    public int ExpectedTotal => _expectedCount + (SelfExpected ? 1 : 0);

    public bool IsComplete => _received == ExpectedTotal;

    /// <summary>Contributors that have answered so far (or were given up on).</summary>
    public int Received => _received;

    /// <summary>Whether <paramref name="from"/> is awaited and has not answered yet.</summary>
    public bool IsAwaited(PeerHandle from, bool self)
    {
        if (self)
            return SelfExpected && !_selfArrived;
        int at = Array.IndexOf(_expected, from, 0, _expectedCount);
        return at >= 0 && !_arrived[at];
    }

    /// <summary>A report that came with a chunked contribution (chunk 0's attachment): joined like any merged one's.</summary>
    public void AddReport(byte[] report) => _reports.Add(report);

    /// <summary>Every report so far, joined, and forgotten here (null: none): a streamed sum sends them up with its first chunk.</summary>
    public byte[]? TakeReports()
    {
        if (_reports.Count + _declined.Count == 0)
            return null;
        byte[] joined = JoinReports();
        _reports.Clear();
        _declined.Clear();
        return joined;
    }

    /// <summary>The children this round waits for.</summary>
    public ReadOnlySpan<PeerHandle> Expected => _expected.AsSpan(0, _expectedCount);

    /// <summary>Room for the children chosen for the next round: fill it, then call <see cref="Begin"/> with the count.</summary>
    public Span<PeerHandle> ChooseInto(int children)
    {
        if (_expected.Length < children)
        {
            _expected = new PeerHandle[children];
            _arrived = new bool[children];
        }

        return _expected.AsSpan(0, children);
    }

    /// <summary>Starts a round that waits for the first <paramref name="chosen"/> children of <see cref="ChooseInto"/>.</summary>
    public void Begin(int round, int chosen, bool selfExpected, int depth, long cutoff, IAggregationRule rule, int modelBytes = Payload.MaxBytes)
    {
        Round = round;
        ModelBytes = modelBytes;
        _expectedCount = chosen;
        Array.Clear(_arrived, 0, chosen);
        SelfExpected = selfExpected;
        _selfArrived = false;
        _received = 0;
        Contributions = 0;
        Depth = depth;
        Cutoff = cutoff;
        _rule = rule;
        _merged = null;
        _sum = null;
        _sumWeight = 0;
        _reports.Clear();
        _declined.Clear();
    }

    /// <summary>Marks <paramref name="from"/> as answered; false when it was not expected or already answered (counted once).</summary>
    public bool TryArrive(PeerHandle from, bool self)
    {
        if (self)
        {
            if (!SelfExpected || _selfArrived)
                return false;
            _selfArrived = true;
        }
        else
        {
            int at = Array.IndexOf(_expected, from, 0, _expectedCount);
            if (at < 0 || _arrived[at])
                return false;
            _arrived[at] = true;
        }

        _received++;
        return true;
    }

    /// <summary>Whether the i-th expected child has answered (or was given up on).</summary>
    public bool HasArrived(int i) => _arrived[i];

    /// <summary>Merges an arrived contribution; one that holds no contribution only brings its report (who declined).</summary>
    public void Add(Payload contribution, long contributions)
    {
        if (contributions > 0)
        {
            Merge(contribution);
            if (contribution.Attachment is { } report)
                _reports.Add(report);
        }
        else if (contribution.Attachment is { Length: > 0 } declined)
        {
            _declined.Add(declined);
        }

        Contributions += contributions;
    }

    /// <summary>Ends the round: the merged payload with every report joined (capped), and how many contributions it holds.</summary>
    public Payload Close()
    {
        Payload content = _sum is not null ? Payload.FromVector(_sum, _sumWeight) : _merged ?? Payload.SizeOnly(0, 0);
        Payload result = _reports.Count == 1 && _declined.Count == 0 && _sum is null && ReferenceEquals(content.Attachment, _reports[0])
            ? content // one contribution, passed up as it came
            : _reports.Count + _declined.Count == 0 ? WithoutAttachment(content) : content.WithAttachment(JoinReports());
        Round = -1;
        _merged = null;
        _sum = null;
        _reports.Clear();
        _declined.Clear();
        return result;
    }

    private void Merge(Payload contribution)
    {
        if (_merged is null && _sum is null)
        {
            _merged = contribution; // the first one is kept as it is: a lone contribution goes up unchanged
            return;
        }

        if (_rule is WeightedSumRule && contribution.Vector is { } y && (_sum ?? _merged!.Vector) is { } x && x.Length == y.Length)
        {
            if (_sum is null)
            {
                _sum = new float[x.Length];
                x.CopyTo(_sum, 0);
                _sumWeight = _merged!.Weight;
                _merged = null;
            }

            for (int i = 0; i < y.Length; i++)
                _sum[i] += y[i];
            _sumWeight += contribution.Weight;
            return;
        }

        // Any other rule (or shape) merges pairwise; attachments are joined at the close instead.
        Payload soFar = _sum is not null ? Payload.FromVector(_sum, _sumWeight) : _merged!;
        _sum = null;
        _merged = ContributionMerge.Merge(_rule, WithoutAttachment(soFar), WithoutAttachment(contribution));
    }

    private static Payload WithoutAttachment(Payload p) => p.Attachment is null ? p : p.WithAttachment(null);

    /// <summary>The reports of the merged contributions, then of those who declined, cut at <see cref="Payload.MaxAttachmentBytes"/>.</summary>
    private byte[] JoinReports()
    {
        long total = 0;
        foreach (byte[] r in _reports)
            total += r.Length;
        foreach (byte[] r in _declined)
            total += r.Length;
        var joined = new byte[Math.Min(total, Payload.MaxAttachmentBytes)];
        int at = 0;
        foreach (List<byte[]> list in (List<byte[]>[])[_reports, _declined])
        {
            foreach (byte[] r in list)
            {
                int take = Math.Min(r.Length, joined.Length - at);
                r.AsSpan(0, take).CopyTo(joined.AsSpan(at));
                at += take;
            }
        }

        return joined;
    }
}
