using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>
/// How a flow's bytes reach the other end: straight over the direct link (<see cref="Via"/> none), or through one
/// relay the sender knows (one overlay hop, as resilient overlay networks detour around a bad path).
/// </summary>
public readonly record struct FlowStrategy(PeerHandle Via)
{
    public static FlowStrategy Direct => default;

    public bool IsDirect => Via.IsNone;

    public override string ToString() => IsDirect ? "direct" : $"via {Via}";
}
