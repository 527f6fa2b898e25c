using Totoro.Core.Planning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Big models (docs/big-models.md): a payload above one chunk travels as <see cref="ModelChunks"/>. Down, a forwarder
/// sends chunk k on to its children as soon as it has it and hands the model to its app once every chunk is in. Up,
/// an aggregator adds each contributor's chunk k as it comes and sends the sum of chunk k to its parent once every
/// awaited contributor (itself included) has brought it, so a round costs about the model over the slowest link plus
/// a chunk a level, not a whole model a level. Rules that cannot merge chunk by chunk (anything but weighted sums)
/// put each contribution back together first, as before, and still send it on in chunks.
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>Chunks refused because their header did not add up or named another model than the round's.</summary>
    public long RefusedChunks { get; private set; }

    // ---- Down ---------------------------------------------------------------------------------------------

    /// <summary>At the root: the round's payload to the chosen children, chunk by chunk (each chunk to every child before the next).</summary>
    private void SendChunksDown(TreeState state, int round, Payload wire, int depth, long deadline, ReadOnlySpan<PeerHandle> children)
    {
        if (children.IsEmpty)
            return;
        NodeId app = state.App.Id;
        (_chunkSources ??= new Queue<ChunkSource>()).Enqueue(new ChunkSource(state, FlowDirection.Down, children.ToArray(), wire, chunk => TreeMessages.BroadcastChunk(app, round, chunk, depth, TimeLeftUntil(deadline)) with { Flags = TreeFlags.Chunk | FinalFlag(state, round) }));
        PumpChunks();
    }

    // ---- The uplink: chunks go out as it drains ------------------------------------------------------------

    /// <summary>
    /// Chunks wait here while this node's uplink already holds <see cref="ChunkBacklogMicros"/> of sends, so that its
    /// heartbeats, pings and acks never queue behind a whole model (a world that cannot tell says 0: no waiting).
    /// </summary>
    private const long ChunkBacklogMicros = 20_000;

    private const int ChunkPumpTimer = 110;

    private Queue<ChunkSend>? _chunkSends;
    private Queue<ChunkSource>? _chunkSources;
    private bool _chunkPumpArmed;

    /// <summary>Chunks waiting for room on this node's uplink (sends, and whole payloads and replicas not cut yet).</summary>
    public int ChunksWaiting => (_chunkSends?.Count ?? 0) + (_chunkSources?.Count ?? 0) + (_replicaSources?.Count ?? 0);

    private void SendChunk(TreeState state, FlowDirection direction, PeerHandle peer, in Message message)
    {
        (_chunkSends ??= new Queue<ChunkSend>()).Enqueue(new ChunkSend(state, direction, peer, message));
        PumpChunks();
    }

    private void PumpChunks()
    {
        while (true)
        {
            if (_chunkSends is { Count: > 0 } sends)
            {
                if (_context.SendBacklogMicros > ChunkBacklogMicros)
                    break;
                ChunkSend next = sends.Dequeue();
                if (next.Direction == FlowDirection.Up && !next.Control && !TakeUpCredit(next))
                    continue; // waits for its parent's ack (ForestNode.UpWindow.cs)
                if (next.Control)
                    SendControl(next.Peer, next.Message); // a replica's chunk (ForestNode.ReplicaChunks.cs)
                else
                    SendTreeData(next.State!, next.Direction, next.Peer, next.Message); // ForestNode.Planning.cs
                continue;
            }

            // Replicas only fill an uplink the rounds leave idle: a round's chunks never wait behind a checkpoint.
            Queue<ChunkSource>? sources = _chunkSources is { Count: > 0 } ? _chunkSources : _replicaSources is { Count: > 0 } ? _replicaSources : null;
            if (sources is null)
                return;
            ChunkSource source = sources.Peek();
            source.CutNext(_chunkSends ??= new Queue<ChunkSend>());
            if (source.Done)
                sources.Dequeue();
        }

        if (!_chunkPumpArmed)
        {
            _chunkPumpArmed = true;
            _context.SetTimer(Math.Max(1, _context.SendBacklogMicros - ChunkBacklogMicros), ChunkPumpTimer);
        }
    }

    private void OnChunkPumpTimer()
    {
        _chunkPumpArmed = false;
        PumpChunks();
    }

    private void OnBroadcastChunk(PeerHandle from, BroadcastView message, Payload chunk)
    {
        if (!ModelChunks.TryRead(chunk, out ChunkHeader header, out string? error))
        {
            RefuseChunk(error);
            return;
        }

        if (Tree(message.App) is not { } state)
            return;
        bool fromFormer = from != state.Parent && TakesFromFormerParent(state, from, message.Round); // ForestNode.Moves.cs
        if (from != state.Parent && !fromFormer && !(from == state.RoundFrom && state.Download is { } going && going.Round == message.Round))
        {
            if (header.Index == 0)
                SendControl(from, TreeMessages.Leave(state.App.Id, AnsweredThrough(state, from))); // as for a whole broadcast from a former parent
            return;
        }

        if (from == state.Parent)
        {
            state.ParentHeard = _context.Now;
            SetDetached(state, false);
        }

        ChunkedDownload? download = state.Download; // from a former parent: the rest of a round it began before this node moved
        if (header.Index == 0 && download is { Opened: true } taken && taken.Round == message.Round && from != state.RoundFrom)
            AnswerRepeatAfterMove(state, from, message.Round); // the round came from a former parent first and is answered there: the new one gets nothing
        if (download is null || download.Round != message.Round)
        {
            if (message.Round <= state.Round && !fromFormer)
            {
                if (header.Index == 0)
                    AnswerRepeatAfterMove(state, from, message.Round); // ForestNode.Planning.cs
                return;
            }

            state.Download = download = new ChunkedDownload(message.Round, new ChunkAssembler(header, keepContent: state.IsSubscriber));
        }

        if (!download.Assembler.Matches(header))
        {
            RefuseChunk($"chunk {header.Index} of round {message.Round} names another model than its round's");
            return;
        }

        if (!download.Assembler.Add(header, chunk))
            return; // a repeat
        if (download.Opened)
        {
            ForwardChunk(state, download, chunk);
        }
        else if (header.Index != 0)
        {
            (download.Early ??= new Payload?[header.Count])[header.Index] = chunk;
            return;
        }
        else
        {
            OpenDownload(state, from, download, message, header, chunk);
        }

        if (download.Assembler.IsComplete)
            FinishDownload(state, download);
    }

    /// <summary>Chunk 0 came: the round opens here (children chosen by its participant list), and what came so far goes on.</summary>
    private void OpenDownload(TreeState state, PeerHandle from, ChunkedDownload download, BroadcastView message, in ChunkHeader header, Payload chunk)
    {
        byte[]? attachment = header.Attachment;
        if (BroadcastSeal is not null && attachment is not null && SealedPayload.TryUnwrap(Payload.SizeOnly(0).WithAttachment(attachment), out _, out Payload? inner, out _))
            attachment = inner!.Attachment; // the seal is checked once the whole model is in, before the app sees it
        Payload head = Payload.SizeOnly(header.TotalBytes, chunk.Weight).WithAttachment(attachment);
        state.Round = message.Round;
        TookRound(state, from, message.Round); // ForestNode.Moves.cs: a former parent's chunk 0 of a round it began before this node moved is answered there
        if (message.IsFinalRound)
            NoteFinalRound(state, message.Round); // ForestNode.Planning.cs
        download.Depth = message.Depth;
        download.Deadline = DeadlineAfter(message.TimeLeft);
        StartRound(state, message.Round, head, message.Depth, download.Deadline, head, download);
        download.Opened = true;
        ForwardChunk(state, download, chunk);
        if (download.Early is { } early)
        {
            foreach (Payload? waiting in early)
            {
                if (waiting is not null)
                    ForwardChunk(state, download, waiting);
            }

            download.Early = null;
        }
    }

    private void ForwardChunk(TreeState state, ChunkedDownload download, Payload chunk)
    {
        if (download.Children.Length == 0)
            return;
        Message message = TreeMessages.BroadcastChunk(state.App.Id, download.Round, chunk, download.Depth + 1, TimeLeftUntil(download.Deadline)) with { Flags = TreeFlags.Chunk | FinalFlag(state, download.Round) };
        foreach (PeerHandle child in download.Children)
            SendChunk(state, FlowDirection.Down, child, message);
    }

    /// <summary>Every chunk is in: a subscriber checks the root's seal on the whole and hands the model to its app.</summary>
    private void FinishDownload(TreeState state, ChunkedDownload download)
    {
        state.Download = null;
        if (!state.IsSubscriber || state.Round != download.Round || state.Aggregation is not { InFlight: true } open || open.Round != download.Round)
            return; // a forwarder only passes it on; a round already closed here (its cut-off) takes no model
        if (OpenRound(state, download.Round, download.Assembler.Build()) is not { } opened)
            return; // refused: the seal is not the app's root's (ForestNode.Sealing.cs)
        _app?.OnBroadcast(this, state.App.Id, download.Round, state.App.Compression.Decompress(opened));
    }

    // ---- Up -----------------------------------------------------------------------------------------------

    /// <summary>Whether chunks of this shape are summed as they come under the app's rule.</summary>
    private static bool Streams(TreeState state, ChunkShape shape) => state.App.Rule is WeightedSumRule && shape != ChunkShape.Data;

    private void OnAggregateChunk(PeerHandle from, AggregateView message, Payload chunk)
    {
        AckUpChunk(from, message.App, message.Round); // ForestNode.UpWindow.cs
        if (!ModelChunks.TryRead(chunk, out ChunkHeader header, out string? error))
        {
            RefuseChunk(error);
            return;
        }

        if (Tree(message.App) is not { } state)
            return;
        AnswerIfNotChild(state, from); // ForestNode.NonChildren.cs
        if (state.Aggregation is not { InFlight: true } aggregation || message.Round != aggregation.Round || !aggregation.IsAwaited(from, self: false))
            return; // late, early, unknown, or from a child this round does not wait for
        if (header.TotalBytes > aggregation.ModelBytes && header.Shape != ChunkShape.Data)
        {
            // Checked before any sum or assembly exists: a forged first chunk would otherwise size the round's sum.
            RefuseChunk($"chunk {header.Index} of round {message.Round} names a {header.TotalBytes}-byte update to a {aggregation.ModelBytes}-byte model");
            return;
        }

        if (!Streams(state, header.Shape))
        {
            AssembleContribution(state, aggregation, from, header, chunk, message.Contributions);
            return;
        }

        if (SumOf(state, aggregation, header) is not { } sum)
        {
            RefuseChunk($"chunk {header.Index} of round {message.Round} names another model than its round's");
            return;
        }

        if (!sum.AddChunk(from, header.Index, chunk, message.Contributions))
            return; // a repeat
        if (!chunk.IsFinite)
            RejectedContributions++; // counted as brought with nothing in it
        if (header.Index == 0)
        {
            if (header.Attachment is { } report)
                aggregation.AddReport(report);
            state.App.Selector.Observe(state.App.Id, from, Payload.SizeOnly(0).WithAttachment(header.Attachment), _context);
        }

        SendReadyChunks(state, sum, header.Index);
        if (sum.BroughtAll(from) && aggregation.TryArrive(from, self: false) && aggregation.IsComplete)
            CompleteRound(state);
    }

    /// <summary>The round's streamed sum (made on the first chunk), or null when the chunk is of another model.</summary>
    private static ChunkedSum? SumOf(TreeState state, RoundAggregation aggregation, in ChunkHeader header)
    {
        if (state.UpSum is { } sum && sum.Round == aggregation.Round)
            return sum.Matches(header) ? sum : null;
        // Whoever answered before the first chunk answered whole: a decline, which no chunk waits for.
        return state.UpSum = new ChunkedSum(aggregation.Round, header with { Index = 0, Attachment = null }, aggregation.ExpectedTotal, aggregation.Received);
    }

    /// <summary>
    /// A whole contribution (this node's own update, or a child's decline) in a round whose model is chunked: added to
    /// the streamed sum. False when the round is not streamed (the caller merges it as before).
    /// </summary>
    private bool AddToStream(TreeState state, RoundAggregation aggregation, Payload contribution, long contributions, PeerHandle from)
    {
        bool self = from == _context.Self;
        ChunkedSum? sum = state.UpSum is { } s && s.Round == aggregation.Round ? s : null;
        if (sum is null)
        {
            if (contributions <= 0 || !ModelChunks.IsChunked(contribution) || !ModelChunks.TryShape(contribution, out ChunkShape shape) || !Streams(state, shape))
                return false;
            int total = contribution.ContentBytes;
            sum = SumOf(state, aggregation, new ChunkHeader(0, ModelChunks.CountOf(total), total, shape, null))!;
        }

        if (!aggregation.TryArrive(from, self))
            return true; // not awaited, or counted once already
        state.App.Selector.Observe(state.App.Id, from, contribution, _context);
        if (contributions > 0 && sum.Matches(contribution))
        {
            sum.AddWhole(contribution, contributions);
            if (contribution.Attachment is { } report)
                aggregation.AddReport(report);
        }
        else
        {
            if (contributions > 0)
            {
                RejectedContributions++;
                Refuse($"a contribution of {contribution.ContentBytes} bytes to a round whose model is chunked otherwise");
            }

            aggregation.Add(contribution, 0); // a decline's report still goes up
            sum.FinishEmpty();
        }

        SendReadyChunks(state, sum, -1);
        if (aggregation.IsComplete)
            CompleteRound(state);
        return true;
    }

    /// <summary>Sends up every chunk that has become ready (<paramref name="index"/> ≥ 0: only that one can have). The root keeps them.</summary>
    private void SendReadyChunks(TreeState state, ChunkedSum sum, int index)
    {
        if (state.IsRoot)
            return;
        if (index >= 0)
        {
            if (sum.IsReady(index))
                SendUpChunk(state, sum, index);
            return;
        }

        for (int k = 0; k < sum.Count; k++)
        {
            if (sum.IsReady(k))
                SendUpChunk(state, sum, k);
        }
    }

    private void SendUpChunk(TreeState state, ChunkedSum sum, int index)
    {
        Payload chunk = sum.Emit(index, index == 0 ? state.Aggregation!.TakeReports() : null, out long contributions);
        PeerHandle up = Answering(state, sum.Round); // ForestNode.Moves.cs
        if (!up.IsNone)
            SendChunk(state, FlowDirection.Up, up, TreeMessages.AggregateChunk(state.App.Id, sum.Round, chunk, contributions));
    }

    /// <summary>
    /// The round closes with a streamed sum (everyone in, a cut-off, a child given up): what is not sent yet goes up
    /// with whatever it holds, or the root hands the whole sum to its app. False when the round is not streamed.
    /// </summary>
    private bool CompleteStreamedRound(TreeState state)
    {
        if (state.UpSum is not { } sum || state.Aggregation is not { } aggregation || sum.Round != aggregation.Round)
            return false;
        state.UpSum = null;
        DropSilentChildren(state); // ForestNode.Repair.cs
        int round = aggregation.Round;
        if (state.IsRoot)
        {
            Payload merged = sum.Result(aggregation.TakeReports());
            aggregation.Close();
            _app?.OnAggregated(this, state.App.Id, round, merged, sum.Contributions);
            return true;
        }

        for (int k = 0; k < sum.Count; k++)
        {
            if (!sum.IsSent(k))
                SendUpChunk(state, sum, k);
        }

        aggregation.Close();
        if (!state.Parent.IsNone && Answering(state, round) == state.Parent)
            ConsiderParent(state, (long)sum.Count * ModelChunks.ChunkBytes); // ForestNode.Planning.cs
        return true;
    }

    /// <summary>A child given up mid-round: the chunks it did not bring stop waiting for it.</summary>
    private void GiveUpChunks(TreeState state, RoundAggregation aggregation, PeerHandle child)
    {
        if (state.UpSum is not { } sum || sum.Round != aggregation.Round || !aggregation.IsAwaited(child, self: false))
            return;
        sum.GiveUp(child);
        SendReadyChunks(state, sum, -1);
    }

    /// <summary>A merged payload above one chunk going up whole-at-a-time (a rule that cannot stream): sent in chunks.</summary>
    private void SendChunksUp(TreeState state, PeerHandle up, int round, Payload merged, long contributions)
    {
        NodeId app = state.App.Id;
        (_chunkSources ??= new Queue<ChunkSource>()).Enqueue(new ChunkSource(state, FlowDirection.Up, [up], merged, chunk => TreeMessages.AggregateChunk(app, round, chunk, contributions)));
        PumpChunks();
    }

    /// <summary>Under a rule that merges whole contributions: a child's chunks put back together, then merged as one.</summary>
    private void AssembleContribution(TreeState state, RoundAggregation aggregation, PeerHandle from, in ChunkHeader header, Payload chunk, long contributions)
    {
        state.UpAssembly ??= [];
        if (!state.UpAssembly.TryGetValue(from, out (int Round, ChunkAssembler Assembler) entry) || entry.Round != aggregation.Round)
            state.UpAssembly[from] = entry = (aggregation.Round, new ChunkAssembler(header, keepContent: true));
        if (!entry.Assembler.Matches(header))
        {
            RefuseChunk($"chunk {header.Index} of round {aggregation.Round} names another model than the child's first");
            return;
        }

        if (!entry.Assembler.Add(header, chunk) || !entry.Assembler.IsComplete)
            return;
        state.UpAssembly.Remove(from);
        AddContribution(state, aggregation.Round, entry.Assembler.Build(), contributions, from);
    }

    private void RefuseChunk(string? reason)
    {
        RefusedChunks++;
        Refuse(reason);
    }
}
