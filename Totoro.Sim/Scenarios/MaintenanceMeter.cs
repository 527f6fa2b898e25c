using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Watches every send for a while and counts, per node, the messages and bytes (the link's overhead included) it
/// sent plus received, apart for the overlay's kinds and the forest's. It only watches: it chains any earlier tap.
/// </summary>
public sealed class MaintenanceMeter
{
    private readonly SimWorld _world;
    private readonly SendObserver? _previous;
    private readonly long[] _overlayBytes;
    private readonly long[] _treeBytes;
    private readonly long[] _treeMessages;
    private readonly long[] _overlayMessages;
    private const int Forms = 8; // a layer's flagged kind is counted apart by its row (its form), below this
    private readonly long[] _kindMessages = new long[256 * (Forms + 1)]; // by kind; a layer's kind with its fourth flag apart by row
    private readonly long[] _kindBytes = new long[256 * (Forms + 1)];

    public MaintenanceMeter(SimWorld world)
    {
        _world = world;
        _previous = world.OnSend;
        _overlayBytes = new long[world.NodeCount];
        _treeBytes = new long[world.NodeCount];
        _treeMessages = new long[world.NodeCount];
        _overlayMessages = new long[world.NodeCount];
        world.OnSend = Observe;
    }

    /// <summary>Stops watching (the earlier tap, if any, is put back).</summary>
    public void Stop() => _world.OnSend = _previous;

    public long OverlayBytes(int node) => _overlayBytes[node];

    public long TreeBytes(int node) => _treeBytes[node];

    public long OverlayMessages(int node) => _overlayMessages[node];

    public long TreeMessages(int node) => _treeMessages[node];

    /// <summary>
    /// Messages sent in the window and their bytes (overhead included), by kind; a layer's kind with its fourth layer
    /// flag set (the forest's batched keep-alives) is counted apart by its row (Form ≥ 0; −1 for every other message).
    /// </summary>
    public IReadOnlyList<(MessageKind Kind, int Form, long Messages, long Bytes)> ByKind()
    {
        var kinds = new List<(MessageKind, int, long, long)>();
        for (int i = 0; i < _kindMessages.Length; i++)
        {
            if (_kindMessages[i] > 0)
                kinds.Add(((MessageKind)(i & 0xFF), (i >> 8) - 1, _kindMessages[i], _kindBytes[i]));
        }

        return kinds;
    }

    private void Observe(int from, int to, in Message message)
    {
        _previous?.Invoke(from, to, message);
        if ((uint)from >= (uint)_treeBytes.Length || (uint)to >= (uint)_treeBytes.Length)
            return;
        long bytes = message.EncodedSize + _world.Links.OverheadBytes;
        bool tree = MessageKinds.IsRoutedLayer(message.Kind) || MessageKinds.IsDirectLayer(message.Kind);
        long[] byteCounts = tree ? _treeBytes : _overlayBytes;
        long[] messageCounts = tree ? _treeMessages : _overlayMessages;
        byteCounts[from] += bytes;
        byteCounts[to] += bytes;
        messageCounts[from]++;
        messageCounts[to]++;
        int form = (message.Flags & MessageFlags.Layer4) != 0 && tree ? 1 + Math.Min((int)message.Row, Forms - 1) : 0;
        int kind = (byte)message.Kind + (256 * form);
        _kindMessages[kind]++;
        _kindBytes[kind] += bytes;
    }
}
