using Totoro.Core.Overlay;
using Totoro.Core.Planning;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>Rounds: a round's payload down the tree to the chosen children, their contributions merged on the way up.</summary>
public sealed partial class ForestNode
{
    // ---- Down: broadcast -----------------------------------------------------------------------------------

    private void OnBroadcastMessage(PeerHandle from, BroadcastView message)
    {
        if (message.Payload is not { } payload)
        {
            Refuse("a broadcast without a payload");
            return;
        }

        TreeState? known = message.App == AppId.AdvertiseDiscover ? GetOrCreateAdvertiseDiscover() : Tree(message.App);
        if (known is not { } state)
            return; // not in this tree: a stale or stray broadcast
        if (from == state.Parent)
        {
            state.ParentHeard = _context.Now;
            SetDetached(state, false); // a broadcast came down from the root: the path is whole
        }

        if (message.App == AppId.AdvertiseDiscover)
        {
            OnAdvertisement(state, payload, message.Reannounced);
            return;
        }

        bool fromFormer = from != state.Parent && TakesFromFormerParent(state, from, message.Round); // ForestNode.Moves.cs
        if (from != state.Parent && !fromFormer)
        {
            // A former parent still counts this node as a child (it left without a word: it took that parent for dead,
            // or its leave was lost) and would wait for its aggregate forever. Tell it again; the round comes from the
            // real parent, so a child never answers a round its own parent has not started.
            SendControl(from, TreeMessages.Leave(state.App.Id, AnsweredThrough(state, from)));
            return;
        }

        if (message.Round <= state.Round && !fromFormer)
        {
            AnswerRepeatAfterMove(state, from, message.Round); // ForestNode.Planning.cs
            return; // a round arrives once; a repeat (a retry, a second path) is dropped
        }
        if (OpenRound(state, message.Round, payload) is not { } opened)
            return; // refused: the seal is not the app's root's (ForestNode.Sealing.cs)
        state.Round = message.Round;
        TookRound(state, from, message.Round); // ForestNode.Moves.cs
        if (message.IsFinalRound)
            NoteFinalRound(state, message.Round); // ForestNode.Planning.cs
        StartRound(state, message.Round, opened, depth: message.Depth, deadline: DeadlineAfter(message.TimeLeft), wire: payload);
    }

    /// <summary>A deadline sent as time left (<see cref="TreeMessages.Broadcast"/>), put back on this node's clock.</summary>
    private long DeadlineAfter(long timeLeft) => timeLeft > 0 ? _context.Now + Math.Min(timeLeft, MaxTimeLeftMicros) : 0;

    /// <summary>A day: more time left than any round needs (a forged or garbled value must not overflow the clock).</summary>
    private const long MaxTimeLeftMicros = 86_400_000_000;

    /// <summary>The time left until a deadline on this node's clock, as it goes on the wire: at least 1 µs when there is one.</summary>
    private long TimeLeftUntil(long deadline) => deadline > 0 ? Math.Max(1, deadline - _context.Now) : 0;

    // ---- Up: aggregate -------------------------------------------------------------------------------------

    private void OnAggregateMessage(PeerHandle from, AggregateView message)
    {
        if (message.Merged is not { } merged)
        {
            Refuse("an aggregate without a payload");
            return;
        }

        if (Tree(message.App) is not { } state)
            return;
        AnswerIfNotChild(state, from); // ForestNode.NonChildren.cs
        _app?.OnAggregate(this, message.App, message.Round, merged);
        AddContribution(state, message.Round, merged, message.Contributions, from);
    }

    /// <summary>Forwards the round's payload to the chosen children and gets ready to merge their answers.</summary>
    /// <param name="depth">Hops from the root.</param>
    /// <param name="deadline">When the root closes the round, on this node's own clock; 0 for none.</param>
    /// <param name="wire">The payload as it came, sealed by the root (null at the root, which seals it here).</param>
    /// <param name="download">A chunked round arriving (ForestNode.Chunks.cs): its chunks go on as they come, and the app gets the model once all are in.</param>
    private void StartRound(TreeState state, int round, Payload compressed, int depth, long deadline, Payload? wire = null, ChunkedDownload? download = null)
    {
        wire ??= SealRound(state, round, compressed); // ForestNode.Sealing.cs
        RoundAggregation aggregation = state.Aggregation ??= new RoundAggregation();
        Span<PeerHandle> chosen = aggregation.ChooseInto(state.Children.Count + (state.MovedAway?.Count ?? 0));
        int n = state.App.Selector.Select(state.App.Id, round, compressed, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(state.Children), chosen, _context, state.IsRoot);
        n = AddGrown(state, chosen, n); // ForestNode.Moves.cs
        bool everyChild = n > 0 && n == state.Children.Count;
        n = AddMovedAway(state, round, chosen, n); // ForestNode.Moves.cs
        if (download is not null)
        {
            download.Children = chosen[..n].ToArray();
        }
        else if (ModelChunks.IsChunked(wire))
        {
            SendChunksDown(state, round, wire, depth + 1, deadline, chosen[..n]); // ForestNode.Chunks.cs
        }
        else
        {
            Message message = TreeMessages.Broadcast(state.App.Id, round, wire, depth + 1, TimeLeftUntil(deadline)) with { Flags = FinalFlag(state, round) };
            for (int i = 0; i < n; i++)
                SendTreeData(state, FlowDirection.Down, chosen[i], message); // ForestNode.Planning.cs
        }

        if (everyChild)
            state.LastSentDown = _context.Now; // a broadcast to every child stands in for a heartbeat; a pruned one does not

        long cutoff = deadline > 0 ? deadline - (depth * state.App.Options.LevelMarginMicros) : 0;
        aggregation.Begin(round, n, selfExpected: state.IsSubscriber, depth, cutoff, state.App.Rule, compressed.ContentBytes);
        if (cutoff > 0)
            _context.SetTimer(Math.Max(0, cutoff - _context.Now), RoundTimer);
        if (aggregation.ExpectedTotal == 0 && !state.IsRoot)
            CompleteRound(state); // nothing below: pass up at once
        else if (aggregation.ExpectedTotal == 0 && cutoff == 0)
            _context.SetTimer(0, RoundTimer); // a root with nobody to wait for closes after Broadcast has returned its round
        else if (state.IsSubscriber && download is null)
            _app?.OnBroadcast(this, state.App.Id, round, state.App.Compression.Decompress(compressed));
    }

    // ---- Up: aggregation ---------------------------------------------------------------------------------

    private void AddContribution(TreeState state, int round, Payload contribution, long contributions, PeerHandle from)
    {
        if (state.Aggregation is not { InFlight: true } aggregation || round != aggregation.Round)
            return; // late, early or unknown round
        if (!contribution.IsFinite)
        {
            RejectedContributions++; // counted as arrived with nothing in it: the round neither waits for it nor merges it
            contribution = Payload.SizeOnly(0, 0).WithAttachment(contribution.Attachment);
            contributions = 0;
        }

        if (AddToStream(state, aggregation, contribution, contributions, from))
            return; // a chunked round, summed chunk by chunk (ForestNode.Chunks.cs)
        if (!aggregation.TryArrive(from, self: from == _context.Self))
            return; // not awaited, or counted once already (a retry)
        state.App.Selector.Observe(state.App.Id, from, contribution, _context);
        aggregation.Add(contribution, contributions);
        if (aggregation.IsComplete)
            CompleteRound(state);
    }

    private void CompleteRound(TreeState state)
    {
        if (CompleteStreamedRound(state))
            return; // ForestNode.Chunks.cs
        DropSilentChildren(state); // ForestNode.Repair.cs
        RoundAggregation aggregation = state.Aggregation!;
        int round = aggregation.Round;
        long contributions = aggregation.Contributions;
        Payload merged = aggregation.Close();
        PeerHandle up = state.IsRoot ? PeerHandle.None : Answering(state, round); // ForestNode.Moves.cs
        if (state.IsRoot)
            _app?.OnAggregated(this, state.App.Id, round, merged, contributions);
        else if (!up.IsNone && ModelChunks.IsChunked(merged))
        {
            SendChunksUp(state, up, round, merged, contributions); // ForestNode.Chunks.cs
            if (up == state.Parent)
                ConsiderParent(state, merged.Bytes);
        }
        else if (!up.IsNone)
        {
            Message update = TreeMessages.Aggregate(state.App.Id, round, merged, contributions);
            SendTreeData(state, FlowDirection.Up, up, update); // ForestNode.Planning.cs
            if (up == state.Parent)
                ConsiderParent(state, update.EncodedSize);
        }
    }
}
