using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// End-to-end lookup timeouts, on top of the per-hop acks: a hop can ack a lookup and then die before passing it on,
/// and no hop is left to notice. So the node that delivers a lookup answers its origin, and an origin that hears
/// nothing within <see cref="PastryOptions.LookupTimeoutMicros"/> sends the lookup again from scratch (same stamp, so
/// the layer above can count it once). Off (no replies, nothing pending) when the timeout is 0.
/// </summary>
public sealed partial class PastryNode
{
    private const int LookupTimer = 6;

    /// <summary>Lookups this node started that were sent again after the end-to-end timeout.</summary>
    public int LookupsResent => _rare?.LookupsResent ?? 0;

    /// <summary>Lookups this node started and gave up on: no reply after every retry.</summary>
    public int LookupsTimedOut => _rare?.LookupsTimedOut ?? 0;

    /// <summary>Lookups this node started that are still waiting for the closest node's reply.</summary>
    public int LookupsPending => _rare?.PendingLookups?.Count ?? 0;

    private void TrackLookup(in Message lookup)
    {
        if (_options.LookupTimeoutMicros <= 0)
            return;
        RareState rare = Rare;
        int sequence = rare.NextLookupSequence++;
        (rare.PendingLookups ??= []).Add(new PendingLookup(sequence, lookup.Key, lookup.Stamp, 0));
        _context.SetTimer(_options.LookupTimeoutMicros, LookupTimer, sequence);
    }

    /// <summary>Hands a message that reached its closest node to the layer above, and answers a lookup's origin.</summary>
    private void Deliver(PeerHandle from, in Message message)
    {
        _listener?.OnDeliver(this, from, message);
        if (message.Kind != MessageKind.Lookup || _options.LookupTimeoutMicros <= 0)
            return;
        if (message.Origin == _context.Self)
            OnLookupReply(message);
        else
            _context.Send(message.Origin, new Message { Kind = MessageKind.LookupReply, Key = message.Key, Stamp = message.Stamp });
    }

    private void OnLookupReply(in Message reply)
    {
        for (int i = 0; i < LookupsPending; i++)
        {
            PendingLookup pending = _rare!.PendingLookups![i];
            if (pending.Key == reply.Key && pending.Stamp == reply.Stamp)
            {
                RemovePendingLookup(i);
                return;
            }
        }

        // Not found: a late answer to a lookup already answered, or given up on.
    }

    private void OnLookupTimeout(long sequence)
    {
        int at = -1;
        for (int i = 0; i < LookupsPending && at < 0; i++)
        {
            if (_rare!.PendingLookups![i].Sequence == sequence)
                at = i;
        }

        if (at < 0)
            return;
        RareState rare = _rare!;
        PendingLookup pending = rare.PendingLookups![at];
        RemovePendingLookup(at);
        if (pending.Tries >= _options.LookupRetries)
        {
            rare.LookupsTimedOut++;
            return;
        }

        rare.LookupsResent++;
        int next = rare.NextLookupSequence++;
        (rare.PendingLookups ??= []).Add(pending with { Sequence = next, Tries = pending.Tries + 1 });
        _context.SetTimer(_options.LookupTimeoutMicros, LookupTimer, next);
        RouteMessage(_context.Self, new Message { Kind = MessageKind.Lookup, Key = pending.Key, Origin = _context.Self, Stamp = pending.Stamp });
    }

    private void RemovePendingLookup(int at)
    {
        RareState rare = _rare!;
        rare.PendingLookups!.RemoveAt(at);
        if (rare.PendingLookups.Count == 0)
            rare.PendingLookups = null;
    }

    private readonly record struct PendingLookup(int Sequence, NodeId Key, long Stamp, int Tries);
}
