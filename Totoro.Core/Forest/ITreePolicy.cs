using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// How a tree node shapes its part of the tree (Scribe's policy hooks): how many children it keeps, and, when it is
/// full, who stays and which child a joiner is passed down to. A new tree shape is one class; an app names its policy
/// in its descriptor and every node binds its own instance (<see cref="TreeHooks"/>).
/// </summary>
public interface ITreePolicy
{
    string Name { get; }

    /// <summary>Children this node keeps before it passes joiners down.</summary>
    int Capacity(TreeShape tree) => tree.Fanout;

    /// <summary>At capacity: the child that gives its place to the joiner (and is passed down itself), or none to pass the joiner down.</summary>
    PeerHandle Displace(TreeShape tree, PeerHandle joiner, int height);

    /// <summary>The child a joiner (with its subtree of <paramref name="height"/>) is passed down to; never <paramref name="joiner"/>.</summary>
    PeerHandle PushDownTo(TreeShape tree, PeerHandle joiner, int height);
}

/// <summary>What a tree policy sees of one node's place in one tree: its children, their heights, what the overlay doubts.</summary>
public readonly struct TreeShape
{
    private readonly TreeState _state;
    private readonly ForestNode _node;

    internal TreeShape(TreeState state, ForestNode node)
    {
        _state = state;
        _node = node;
    }

    /// <summary>The app's fanout bound.</summary>
    public int Fanout => _state.App.Options.Fanout;

    public int ChildCount => _state.Children.Count;

    public PeerHandle Child(int index) => _state.Children[index];

    /// <summary>The height of a child's subtree (0: a leaf), as it last said.</summary>
    public int HeightOf(PeerHandle child) => _state.ChildHeights.GetValueOrDefault(child);

    /// <summary>The overlay is probing this peer or knows it dead: do not pass a joiner into it if anyone else will do.</summary>
    public bool IsDoubted(PeerHandle peer) => _node.Overlay.Doubts(peer);

    public NodeId IdOf(PeerHandle peer) => _node.IdOf(peer);

    /// <summary>A turn for breaking ties round the children: a different start each call.</summary>
    public int TakeTurn() => _state.PushDownCursor++;
}

/// <summary>
/// Keeps the tree shallow: at the fanout bound the shallowest subtree moves down, never a deeper one. A joiner taller
/// than the shallowest child takes its place and that child is passed down; else the joiner is passed down — in both
/// cases to the shallowest remaining child, skipping children the overlay doubts. Ties go round the children in turn.
/// </summary>
public sealed class ShallowestFirstPolicy : ITreePolicy
{
    public static readonly ShallowestFirstPolicy Instance = new();

    public string Name => "shallowest";

    public PeerHandle Displace(TreeShape tree, PeerHandle joiner, int height)
    {
        PeerHandle shallowest = Shallowest(tree, PeerHandle.None);
        return height > tree.HeightOf(shallowest) ? shallowest : PeerHandle.None;
    }

    public PeerHandle PushDownTo(TreeShape tree, PeerHandle joiner, int height) => Shallowest(tree, joiner);

    private static PeerHandle Shallowest(TreeShape tree, PeerHandle avoid)
    {
        PeerHandle live = Shallowest(tree, avoid, skipDoubted: true);
        return live.IsNone ? Shallowest(tree, avoid, skipDoubted: false) : live;
    }

    private static PeerHandle Shallowest(TreeShape tree, PeerHandle avoid, bool skipDoubted)
    {
        PeerHandle best = PeerHandle.None;
        int bestHeight = int.MaxValue;
        int count = tree.ChildCount;
        int start = tree.TakeTurn();
        for (int i = 0; i < count; i++)
        {
            PeerHandle c = tree.Child((start + i) % count);
            int h = tree.HeightOf(c);
            if (c != avoid && h < bestHeight && !(skipDoubted && tree.IsDoubted(c)))
            {
                best = c;
                bestHeight = h;
            }
        }

        return best;
    }
}

/// <summary>
/// Scribe's own placement: a full node keeps its children and passes the joiner to the child whose id shares the
/// longest prefix with the joiner's (so subtrees gather ids close to each other, as Pastry routes would), the
/// shallower one on a tie, skipping children the overlay doubts.
/// </summary>
public sealed class PrefixPolicy : ITreePolicy
{
    public static readonly PrefixPolicy Instance = new();

    public string Name => "prefix";

    public PeerHandle Displace(TreeShape tree, PeerHandle joiner, int height) => PeerHandle.None;

    public PeerHandle PushDownTo(TreeShape tree, PeerHandle joiner, int height)
    {
        NodeId id = tree.IdOf(joiner);
        PeerHandle best = PeerHandle.None, fallback = PeerHandle.None;
        int bestPrefix = -1, bestHeight = int.MaxValue;
        for (int i = 0; i < tree.ChildCount; i++)
        {
            PeerHandle c = tree.Child(i);
            if (c == joiner)
                continue;
            if (fallback.IsNone)
                fallback = c;
            if (tree.IsDoubted(c))
                continue;
            int prefix = tree.IdOf(c).SharedPrefixDigits(id, 4);
            int h = tree.HeightOf(c);
            if (prefix > bestPrefix || (prefix == bestPrefix && h < bestHeight))
            {
                best = c;
                bestPrefix = prefix;
                bestHeight = h;
            }
        }

        return best.IsNone ? fallback : best;
    }
}
