namespace Totoro.Net.Control;

/// <summary>
/// What a lookup is for, carried in its <c>Row</c> byte (unused by lookups in the core): the host that delivers it
/// (the node closest to the key) acts on it. The core routes all of them as ordinary lookups.
/// </summary>
public static class ProbeRow
{
    /// <summary>An ordinary lookup.</summary>
    public const byte Plain = 0;

    /// <summary>Worker <c>Round</c> of app <c>Key</c> is attached to the tree: counted at the master.</summary>
    public const byte WorkerReady = 1;

    /// <summary>Asks the master of app <c>Key</c> for its status; the answer goes to the origin's host (correlation in <c>Stamp</c>).</summary>
    public const byte Status = 2;

    /// <summary>A traced lookup: the delivering node's host tells the origin's host who it is and the hops taken.</summary>
    public const byte Trace = 3;
}
