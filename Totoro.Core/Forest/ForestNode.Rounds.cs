using Totoro.Core.Overlay;
using Totoro.Core.Planning;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>Rounds: a round's payload down the tree to the chosen children, their contributions merged on the way up.</summary>
public sealed partial class ForestNode
{
    // ---- Down: broadcast -----------------------------------------------------------------------------------

    private void OnBroadcastMessage(PeerHandle from, in Message message)
    {
        TreeState? known = message.Key == AppId.AdvertiseDiscover ? GetOrCreateAdvertiseDiscover() : Tree(message.Key);
        if (known is not { } state)
            return; // not in this tree: a stale or stray broadcast
        if (from == state.Parent)
        {
            state.ParentHeard = _context.Now;
            SetDetached(state, false); // a broadcast came down from the root: the path is whole
        }
        if (message.Payload is not { } payload)
            return;
        if (message.Key == AppId.AdvertiseDiscover)
        {
            OnAdvertisement(state, payload);
            return;
        }

        if (from != state.Parent)
        {
            // A former parent still counts this node as a child (it left without a word: it took that parent for dead,
            // or its leave was lost) and would wait for its aggregate forever. Tell it again; the round comes from the
            // real parent, so a child never answers a round its own parent has not started.
            SendControl(from, new Message { Kind = MessageKind.TreeLeave, Key = state.App.Id });
            return;
        }

        if (message.Round <= state.Round)
        {
            AnswerRepeatAfterMove(state, from, message.Round); // ForestNode.Planning.cs
            return; // a round arrives once; a repeat (a retry, a second path) is dropped
        }
        state.Round = message.Round;
        StartRound(state, message.Round, payload, depth: message.Hops, deadline: message.Stamp);
    }

    /// <summary>Forwards the round's payload to the chosen children and gets ready to merge their answers.</summary>
    /// <param name="depth">Hops from the root (carried down in the broadcast's Hops).</param>
    /// <param name="deadline">When the root closes the round, in the world's clock; 0 for none (carried in Stamp).</param>
    private void StartRound(TreeState state, int round, Payload compressed, int depth, long deadline)
    {
        var chosen = new PeerHandle[state.Children.Count];
        int n = state.App.Selector.Select(state.App.Id, round, compressed, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(state.Children), chosen, _context);
        var message = new Message { Kind = MessageKind.TreeBroadcast, Key = state.App.Id, Round = round, Payload = compressed, Hops = (ushort)(depth + 1), Stamp = deadline };
        for (int i = 0; i < n; i++)
            SendTreeData(state, FlowDirection.Down, chosen[i], message); // ForestNode.Planning.cs
        if (n > 0 && n == state.Children.Count)
            state.LastSentDown = _context.Now; // a broadcast to every child stands in for a heartbeat; a pruned one does not

        state.AggregationRound = round;
        state.Expected = n == chosen.Length ? chosen : chosen[..n];
        state.Arrived = new bool[n];
        state.SelfExpected = state.IsSubscriber;
        state.SelfArrived = false;
        state.Received = 0;
        state.Contributions = 0;
        state.Accumulated = null;
        state.DeclinedAttachments = null;
        state.Depth = depth;
        state.RoundCutoff = deadline > 0 ? deadline - (depth * state.App.Options.LevelMarginMicros) : 0;
        if (state.RoundCutoff > 0)
            _context.SetTimer(Math.Max(0, state.RoundCutoff - _context.Now), RoundTimer);
        if (state.ExpectedTotal == 0 && !state.IsRoot)
            CompleteRound(state); // nothing below: pass up at once
        else if (state.ExpectedTotal == 0 && state.RoundCutoff == 0)
            _context.SetTimer(0, RoundTimer); // a root with nobody to wait for closes after Broadcast has returned its round
        else if (state.IsSubscriber)
            _app?.OnBroadcast(this, state.App.Id, round, state.App.Compression.Decompress(compressed));
    }

    // ---- Up: aggregation ---------------------------------------------------------------------------------

    private void AddContribution(TreeState state, int round, Payload contribution, long contributions, PeerHandle from)
    {
        if (round != state.AggregationRound)
            return; // late, early or unknown round
        if (!contribution.IsFinite)
        {
            RejectedContributions++; // counted as arrived with nothing in it: the round neither waits for it nor merges it
            contribution = Payload.SizeOnly(0, 0).WithAttachment(contribution.Attachment);
            contributions = 0;
        }

        if (from == _context.Self)
        {
            if (!state.SelfExpected || state.SelfArrived)
                return;
            state.SelfArrived = true;
            state.App.Selector.Observe(state.App.Id, from, contribution, _context);
        }
        else
        {
            int at = Array.IndexOf(state.Expected, from);
            if (at < 0 || state.Arrived[at])
                return; // counted once, even when retried
            state.Arrived[at] = true;
            state.App.Selector.Observe(state.App.Id, from, contribution, _context);
        }

        if (contributions > 0)
            state.Accumulated = state.Accumulated is null ? contribution : ContributionMerge.Merge(state.App.Rule, state.Accumulated, contribution);
        else if (contribution.Attachment is { Length: > 0 } declined)
            state.DeclinedAttachments = state.DeclinedAttachments is null ? declined : [.. state.DeclinedAttachments, .. declined];
        state.Contributions += contributions;
        state.Received++;
        if (state.Received == state.ExpectedTotal)
            CompleteRound(state);
    }

    private void CompleteRound(TreeState state)
    {
        DropSilentChildren(state); // ForestNode.Repair.cs
        Payload merged = state.Accumulated ?? Payload.SizeOnly(0, 0);
        if (state.DeclinedAttachments is { } declined)
            merged = ContributionMerge.Merge(state.App.Rule, merged, Payload.SizeOnly(0, 0).WithAttachment(declined));
        state.DeclinedAttachments = null;
        int round = state.AggregationRound;
        long contributions = state.Contributions;
        state.AggregationRound = -1;
        state.Accumulated = null;
        if (state.IsRoot)
            _app?.OnAggregated(this, state.App.Id, round, merged, contributions);
        else if (!state.Parent.IsNone)
        {
            var update = new Message { Kind = MessageKind.TreeAggregate, Key = state.App.Id, Round = round, Payload = merged, Stamp = contributions };
            SendTreeData(state, FlowDirection.Up, state.Parent, update); // ForestNode.Planning.cs
            ConsiderParent(state, update.EncodedSize);
        }
    }
}
