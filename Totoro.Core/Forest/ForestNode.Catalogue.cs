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
        OnAdvertisement(state, payload);
    }

    /// <summary>Keeps an advertisement seen for the first time, tells the subscriber, and passes it down.</summary>
    private void OnAdvertisement(TreeState state, Payload payload)
    {
        if (payload.Data is not { } data || !Advertisement.TryDecode(data, out Advertisement? advertisement, out _))
            return;
        state.Catalogue ??= [];
        if (state.Catalogue.TryGetValue(advertisement!.App, out byte[]? known) && known.AsSpan().SequenceEqual(data))
            return;
        state.Catalogue[advertisement.App] = data;
        Message message = TreeMessages.Catalogue(payload);
        foreach (PeerHandle child in state.Children)
            _context.Send(child, message);
        if (state.IsSubscriber)
            _app?.OnDiscovered(this, advertisement);
    }

    /// <summary>A new child of the advertise–discover tree gets every advertisement this node knows.</summary>
    private void SendCatalogue(TreeState state, PeerHandle child)
    {
        if (state.Catalogue is null)
            return;
        foreach (byte[] data in state.Catalogue.Values)
            _context.Send(child, TreeMessages.Catalogue(Payload.FromData(data)));
    }
}
