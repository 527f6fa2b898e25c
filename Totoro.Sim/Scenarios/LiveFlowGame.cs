using Totoro.Core.Planning;
using Totoro.Core.Runtime;
using Totoro.Sim.Network;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// The forest's live flows as a congestion game on the TRUE link parameters: an observer that scores a run, never
/// seen by a planner. Resources are every node's uplink and downlink; a hop x→y of a flow of w bytes costs its
/// propagation plus w × (attempts − 1) / up_x for retransmissions (constant for the flow), and every link it uses
/// costs the link's whole load per round over its rate. Costs are affine in the load, so the weighted potential
/// Φ = Σ_links (L² + Σ w²) / (2 · rate) + Σ_flows w · constant changes by exactly w_i · ΔC_i when flow i moves alone.
/// </summary>
public sealed class LiveFlowGame(LinkModel links)
{
    private readonly Dictionary<int, double> _up = [];
    private readonly Dictionary<int, double> _down = [];
    private readonly Dictionary<int, double> _upSquares = [];
    private readonly Dictionary<int, double> _downSquares = [];

    /// <summary>One flow of one round: sender, receiver, relay (-1 none), bytes.</summary>
    public readonly record struct Flow(int From, int To, int Via, long Bytes);

    /// <summary>Loads every flow's bytes onto the links it uses (replacing any previous profile).</summary>
    public void Load(IEnumerable<Flow> flows)
    {
        _up.Clear();
        _down.Clear();
        _upSquares.Clear();
        _downSquares.Clear();
        foreach (Flow f in flows)
            Add(f, 1);
    }

    public void Add(Flow f, int sign)
    {
        foreach ((int x, int y) in Hops(f))
        {
            Bump(_up, x, sign * f.Bytes);
            Bump(_down, y, sign * f.Bytes);
            Bump(_upSquares, x, sign * (double)f.Bytes * f.Bytes);
            Bump(_downSquares, y, sign * (double)f.Bytes * f.Bytes);
        }
    }

    /// <summary>The flow's true time per round (µs) with the current loads (which must include it).</summary>
    public double Cost(Flow f)
    {
        double cost = 0;
        foreach ((int x, int y) in Hops(f))
        {
            cost += Constant(x, y, f.Bytes);
            cost += (_up.GetValueOrDefault(x) / links.UplinkBytesPerMicro(x)) + (_down.GetValueOrDefault(y) / links.DownlinkBytesPerMicro(y));
        }

        return cost;
    }

    /// <summary>The flow's cost if it used <paramref name="alternative"/> instead, the others as they are.</summary>
    public double CostInstead(Flow current, Flow alternative)
    {
        Add(current, -1);
        Add(alternative, 1);
        double cost = Cost(alternative);
        Add(alternative, -1);
        Add(current, 1);
        return cost;
    }

    /// <summary>The weighted potential of the loaded profile (flows: the same ones that were loaded).</summary>
    public double Potential(IEnumerable<Flow> flows)
    {
        double phi = 0;
        foreach ((int node, double load) in _up)
            phi += ((load * load) + _upSquares.GetValueOrDefault(node)) / (2 * links.UplinkBytesPerMicro(node));
        foreach ((int node, double load) in _down)
            phi += ((load * load) + _downSquares.GetValueOrDefault(node)) / (2 * links.DownlinkBytesPerMicro(node));
        foreach (Flow f in flows)
        {
            foreach ((int x, int y) in Hops(f))
                phi += f.Bytes * Constant(x, y, f.Bytes);
        }

        return phi;
    }

    private double Constant(int x, int y, long bytes)
    {
        double loss = links.PacketLoss(x, y);
        double retransmit = loss > 0 ? bytes * (loss / (1 - loss)) / links.UplinkBytesPerMicro(x) : 0;
        return links.OneWayMicros(x, y) + retransmit;
    }

    private static IEnumerable<(int, int)> Hops(Flow f)
    {
        if (f.Via < 0)
        {
            yield return (f.From, f.To);
        }
        else
        {
            yield return (f.From, f.Via);
            yield return (f.Via, f.To);
        }
    }

    private static void Bump(Dictionary<int, double> map, int key, double by)
    {
        double value = map.GetValueOrDefault(key) + by;
        if (Math.Abs(value) < 1e-6)
            map.Remove(key);
        else
            map[key] = value;
    }
}
