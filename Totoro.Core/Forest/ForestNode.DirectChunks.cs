using Totoro.Core.Planning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// An app-layer answer above one chunk (an app's global model fetched by `totoro app model`) travels as
/// <see cref="ModelChunks"/> like every other model: cut as the uplink drains and only while the rounds leave it idle
/// (the replicas' queue), so it never holds a root's uplink ahead of its round; in real mode no frame is larger than a
/// chunk (whole, an 85 MB model did not fit one reliable frame). The asker puts it back together and hands its app
/// the whole answer, as if it had come in one message.
/// </summary>
public sealed partial class ForestNode
{
    /// <summary>Answers being put back together at once; a further one drops the oldest (a node asks for few).</summary>
    private const int MaxDirectDownloads = 4;

    private List<DirectDownload>? _directDownloads;

    /// <summary>App-layer answers this node sent in chunks.</summary>
    public int ChunkedAnswersSent { get; private set; }

    /// <summary>Chunked app-layer answers this node put back together and handed its app.</summary>
    public int ChunkedAnswersAssembled { get; private set; }

    private void SendDirectInChunks(PeerHandle peer, byte tag, Payload payload, long stamp)
    {
        ChunkedAnswersSent++;
        (_replicaSources ??= new Queue<ChunkSource>()).Enqueue(new ChunkSource(null, FlowDirection.Down, [peer], payload,
            chunk => TreeMessages.AppDirect(tag, stamp, chunk) with { Flags = TreeFlags.Chunk }, control: true));
        PumpChunks(); // ForestNode.Chunks.cs
    }

    /// <summary>A chunk of an app-layer answer: kept with its sender's others of the same stamp until the whole is in.</summary>
    private void OnDirectChunk(PeerHandle from, in Message message, Payload chunk)
    {
        if (!ModelChunks.TryRead(chunk, out ChunkHeader header, out string? error))
        {
            RefuseChunk(error); // ForestNode.Chunks.cs
            return;
        }

        _directDownloads ??= [];
        long stamp = message.Stamp;
        byte tag = message.Row;
        int at = _directDownloads.FindIndex(d => d.From == from && d.Stamp == stamp && d.Tag == tag);
        DirectDownload download;
        if (at >= 0 && _directDownloads[at].Assembler.Matches(header))
        {
            download = _directDownloads[at];
        }
        else
        {
            if (at >= 0)
                _directDownloads.RemoveAt(at); // the same stamp for another whole: the sender started over
            if (_directDownloads.Count >= MaxDirectDownloads)
                _directDownloads.RemoveAt(0);
            download = new DirectDownload(from, stamp, tag, new ChunkAssembler(header, keepContent: true));
            _directDownloads.Add(download);
        }

        if (!download.Assembler.Add(header, chunk) || !download.Assembler.IsComplete)
            return;
        _directDownloads.Remove(download);
        ChunkedAnswersAssembled++;
        Message whole = TreeMessages.AppDirect(download.Tag, download.Stamp, download.Assembler.Build());
        _app?.OnAppMessage(this, from, new AppMessageView(in whole));
    }

    private sealed record DirectDownload(PeerHandle From, long Stamp, byte Tag, ChunkAssembler Assembler);
}
