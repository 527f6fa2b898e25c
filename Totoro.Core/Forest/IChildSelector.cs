using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// The owner's client-selection hook, run by interior nodes (the client selectors) each round: which children's
/// subtrees take part. Only they receive the round's model, and only they are waited for.
/// </summary>
public interface IChildSelector
{
    string Name { get; }

    /// <summary>
    /// Writes the chosen children into <paramref name="chosen"/> and returns how many. <paramref name="payload"/> is
    /// the round's broadcast (its attachment may name the round's participants).
    /// </summary>
    int Select(NodeId app, int round, Payload payload, ReadOnlySpan<PeerHandle> children, Span<PeerHandle> chosen, INodeContext context);

    /// <summary>
    /// As <see cref="Select(NodeId, int, Payload, ReadOnlySpan{PeerHandle}, Span{PeerHandle}, INodeContext)"/>, told
    /// whether this node is the app's root, the one node every participant is below.
    /// </summary>
    int Select(NodeId app, int round, Payload payload, ReadOnlySpan<PeerHandle> children, Span<PeerHandle> chosen, INodeContext context, bool atRoot)
        => Select(app, round, payload, children, chosen, context);

    /// <summary>A child's contribution (or its decline) arrived: a selector may learn who lives below that child.</summary>
    void Observe(NodeId app, PeerHandle child, Payload contribution, INodeContext context)
    {
    }
}

/// <summary>Every child takes part.</summary>
public sealed class AllChildren : IChildSelector
{
    public static readonly AllChildren Instance = new();

    public string Name => "all";

    public int Select(NodeId app, int round, Payload payload, ReadOnlySpan<PeerHandle> children, Span<PeerHandle> chosen, INodeContext context)
    {
        children.CopyTo(chosen);
        return children.Length;
    }
}
