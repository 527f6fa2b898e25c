using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// A confirmed join (MSPastry's rule, <see cref="PastryOptions.ConfirmLeafSetOnJoin"/>): a node that has its join
/// replies sends every leaf-set member a ping carrying its own leaf set and tells the layers above that it joined only
/// once each has answered with theirs or been found dead, asking the members it learns of meanwhile too. Without it,
/// nodes that join at once through the same neighbourhood each take a leaf set from before the other arrived and do
/// not know each other until a keep-alive carries the news (20 s by default): lookups and tree joins in that window
/// end one node short of the key's owner. A member that answered has learned this node (and the nodes in its leaf
/// set), so when every node has confirmed, every leaf set holds the nodes the other joiners brought.
/// </summary>
public sealed partial class PastryNode
{
    private const int JoinConfirmTimer = 7;

    /// <summary>Rounds of asking the members still silent again (a lost ping or pong) before the join stands without them.</summary>
    private const int JoinConfirmRounds = 3;

    /// <summary>True from the join replies until every leaf-set member has answered (only with the option on).</summary>
    public bool IsConfirmingJoin => _rare?.Confirmation is not null;

    private void StartJoinConfirmation()
    {
        Rare.Confirmation = new JoinConfirmation();
        AskUnaskedLeafMembers();
        _context.SetTimer(ConfirmRoundMicros, JoinConfirmTimer);
        FinishJoinConfirmationIfDone();
    }

    /// <summary>A round lasts as long as a probe's every try: a member that stays silent that long has been ruled dead.</summary>
    private long ConfirmRoundMicros => _options.ProbeTimeoutMicros * (_options.ProbeTries + 1);

    /// <summary>Pings (with this node's leaf set, so the pong carries theirs) every leaf-set member not asked yet.</summary>
    private void AskUnaskedLeafMembers()
    {
        JoinConfirmation confirmation = _rare!.Confirmation!;
        PeerHandle[] members = LeafSetArray();
        foreach (PeerHandle peer in members)
        {
            if (confirmation.Asked.Add(peer))
                Ask(peer, members, confirmation);
        }
    }

    private void Ask(PeerHandle peer, PeerHandle[] leafSet, JoinConfirmation confirmation)
    {
        confirmation.Waiting.Add(peer);
        // With join probes on, suspected like any probe, so that a member that died since the replies were written is
        // ruled dead in time; without them a silent member only holds the join for the confirmation's rounds.
        if (_options.ProbeLeafSetOnJoin && !_suspects.Contains(peer))
        {
            _suspects.Add(peer, dead: false, _context.Now);
            _context.SetTimer(_options.ProbeTimeoutMicros, SuspectTimer, peer.Index);
        }

        _context.Send(peer, new Message { Kind = MessageKind.LeafSetPing, Peers = leafSet });
    }

    /// <summary>
    /// A pong: its sender has learned this node. The nodes its leaf set names that belong in this one are asked in
    /// turn (the ask is their admission ping too): each node that joined at the same time is either named here or
    /// will name this node in its own pongs, so one of each pair asks the other.
    /// </summary>
    private void ConfirmedBy(PeerHandle peer, PeerHandle[]? named)
    {
        if (_rare?.Confirmation is not { } confirmation || !confirmation.Waiting.Remove(peer))
            return;
        PeerHandle[]? members = null;
        foreach (PeerHandle other in named ?? [])
        {
            if (other.IsNone || other == _context.Self || _suspects.IsDead(other, _context.Now) || confirmation.Asked.Contains(other))
                continue;
            if (_leaf.Contains(other) || _leaf.WouldAdmit(_context, Id, other, _context.IdOf(other)))
            {
                confirmation.Asked.Add(other);
                Ask(other, members ??= LeafSetArray(), confirmation);
            }
        }

        AskUnaskedLeafMembers();
        FinishJoinConfirmationIfDone();
    }

    /// <summary>A member ruled dead answers no more: the join does not wait for it.</summary>
    private void ConfirmationLost(PeerHandle peer)
    {
        if (_rare?.Confirmation is { } confirmation && confirmation.Waiting.Remove(peer))
            FinishJoinConfirmationIfDone();
    }

    private void OnJoinConfirmTimer()
    {
        if (_rare?.Confirmation is not { } confirmation)
            return;
        // Members that were heard from otherwise (their suspicion cleared) but whose pong was lost: ask once more.
        if (++confirmation.Rounds < JoinConfirmRounds)
        {
            PeerHandle[] members = LeafSetArray();
            foreach (PeerHandle peer in confirmation.Waiting.ToArray())
            {
                if (_leaf.Contains(peer) || _leaf.WouldAdmit(_context, Id, peer, _context.IdOf(peer)))
                    Ask(peer, members, confirmation);
                else
                    confirmation.Waiting.Remove(peer); // closer nodes came: not a member to wait for any more
            }

            _context.SetTimer(ConfirmRoundMicros, JoinConfirmTimer);
            FinishJoinConfirmationIfDone();
            return;
        }

        confirmation.Waiting.Clear(); // the join stands: the keep-alives will bring the rest
        FinishJoinConfirmationIfDone();
    }

    private void FinishJoinConfirmationIfDone()
    {
        if (_rare is not { Confirmation.Waiting.Count: 0 } rare)
            return;
        rare.Confirmation = null;
        _listener?.OnJoined(this);
    }

    /// <summary>The members asked since the join replies, and those not answered yet.</summary>
    private sealed class JoinConfirmation
    {
        public HashSet<PeerHandle> Asked { get; } = [];

        public HashSet<PeerHandle> Waiting { get; } = [];

        public int Rounds { get; set; }
    }
}
