using Totoro.Core.Runtime;

namespace Totoro.Sim.Kernel;

/// <summary>
/// The messages in flight, each in a slot that its delivery event names: events stay small, and a slot is reused as
/// soon as its message is delivered, so the slots grow only to the largest number in flight at once.
/// </summary>
internal sealed class MessageSlots
{
    private Message[] _messages = new Message[1024];
    private int[] _free = new int[1024];
    private int _freeCount;
    private int _used;

    /// <summary>Bytes held by the slots.</summary>
    public long CapacityBytes => (_messages.Length * (long)System.Runtime.CompilerServices.Unsafe.SizeOf<Message>()) + (_free.Length * 4L);

    public int Put(in Message message)
    {
        int slot;
        if (_freeCount > 0)
        {
            slot = _free[--_freeCount];
        }
        else
        {
            if (_used == _messages.Length)
            {
                Array.Resize(ref _messages, _used * 2);
                Array.Resize(ref _free, _used * 2);
            }

            slot = _used++;
        }

        _messages[slot] = message;
        return slot;
    }

    /// <summary>Starts loading a slot's message (<see cref="PrefetchPeers"/> then its peer list).</summary>
    public void Prefetch(int slot) => CachePrefetch.Row(_messages, slot);

    /// <summary>Starts loading the peer list of a slot's message, if it has one.</summary>
    public void PrefetchPeers(int slot)
    {
        if ((uint)slot < (uint)_messages.Length)
            CachePrefetch.Object(_messages[slot].Peers, 2);
    }

    /// <summary>Takes the message out of its slot and frees the slot (the message's arrays are no longer held here).</summary>
    public Message Take(int slot)
    {
        Message message = _messages[slot];
        _messages[slot] = default;
        _free[_freeCount++] = slot;
        return message;
    }
}
