using Totoro.Core.Overlay;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>The app catalogue: the advertise–discover tree through which every node hears of every app.</summary>
public sealed partial class ForestNode
{
    // ---- Advertise–discover tree -----------------------------------------------------------------------

    private void OnAdvertiseAtRoot(in Message message)
    {
        if (message.Payload is not { Data: not null } payload)
        {
            Refuse("an advertisement without its bytes");
            return;
        }

        TreeState state = GetOrCreateAdvertiseDiscover();
        if (!state.InTree)
            BecomeRoot(state);
        // A routed advertisement of an app the catalogue already holds is its root announcing it again (the advertise
        // is routed without hop acks, so the first one may have died with a node on the way): pass it all the way down.
        OnAdvertisement(state, payload, reannounced: true);
    }

    /// <summary>
    /// Keeps an advertisement seen for the first time, tells the subscriber, and passes it down; one it knows only when
    /// re-announced (a catalogue sent to a new child is not, so re-joins do not flood the tree with what it knows).
    /// </summary>
    private void OnAdvertisement(TreeState state, Payload payload, bool reannounced)
    {
        if (payload.Data is not { } data || !Advertisement.TryDecode(data, out Advertisement? advertisement, out _))
            return;
        state.Catalogue ??= [];
        bool known = state.Catalogue.TryGetValue(advertisement!.App, out byte[]? same) && same.AsSpan().SequenceEqual(data);
        if (known && !reannounced)
            return;
        if (known)
            Reannouncements++;
        state.Catalogue[advertisement.App] = data;
        Message message = TreeMessages.Catalogue(payload, reannounced);
        foreach (PeerHandle child in state.Children)
            _context.Send(child, message);
        if (state.IsSubscriber)
            _app?.OnDiscovered(this, advertisement);
    }

    /// <summary>Advertisements this node passed on although it knew them, because their app announced them again.</summary>
    public int Reannouncements { get; private set; }

    /// <summary>A new child of the advertise–discover tree gets every advertisement this node knows.</summary>
    private void SendCatalogue(TreeState state, PeerHandle child)
    {
        if (state.Catalogue is null)
            return;
        foreach (byte[] data in state.Catalogue.Values)
            _context.Send(child, TreeMessages.Catalogue(Payload.FromData(data)));
    }
}
