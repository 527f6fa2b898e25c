using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// A round's chunked broadcast arriving at a node: the chunks so far, and the children each one goes on to as soon
/// as it comes (cut-through). Chunk 0 opens the round (it carries the participant list the children are chosen by);
/// a chunk that overtook it waits in <see cref="Early"/> until then.
/// </summary>
internal sealed class ChunkedDownload(int round, ChunkAssembler assembler)
{
    public int Round { get; } = round;

    public ChunkAssembler Assembler { get; } = assembler;

    /// <summary>The round is open here: children chosen, the aggregation begun.</summary>
    public bool Opened { get; set; }

    public PeerHandle[] Children { get; set; } = [];

    /// <summary>This node's depth below the root.</summary>
    public int Depth { get; set; }

    /// <summary>When the root closes the round, on this node's own clock (0: no deadline); chunks pass on the time left.</summary>
    public long Deadline { get; set; }

    /// <summary>Chunks that came before chunk 0, by index (null: none did).</summary>
    public Payload?[]? Early { get; set; }
}
