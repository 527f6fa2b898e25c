using System.Globalization;
using System.Text;
using ScottPlot;

namespace Totoro.Cli;

/// <summary>
/// Paper Fig. 11: how often one flow picks each of its candidate paths, per block of packets, the paths sorted by
/// their true delay D_θ(p) (rank 0 = best for the flow alone). Written as planning-paths.csv (block start, then one
/// share column per rank) and a heat map PNG.
/// </summary>
internal sealed class PathChoicePlot(int packets, int candidates)
{
    private const int Blocks = 50;
    private readonly int _blockSize = Math.Max(1, (packets + Blocks - 1) / Blocks);
    private readonly int[,] _counts = new int[Math.Min(Blocks, packets), candidates];

    /// <summary>Records flow 0's choices (the scenario's callback, which passes the chosen path's rank).</summary>
    public void Record(long slot, int flow, int rank)
    {
        if (flow == 0 && rank >= 0 && rank < _counts.GetLength(1))
            _counts[Math.Min((int)((slot - 1) / _blockSize), _counts.GetLength(0) - 1), rank]++;
    }

    public void Write(string directory, string planner)
    {
        int blocks = _counts.GetLength(0);
        int paths = _counts.GetLength(1);
        var shares = new double[paths, blocks];
        var csv = new StringBuilder("packetStart," + string.Join(',', Enumerable.Range(0, paths).Select(p => $"path{p}")) + "\n");
        for (int b = 0; b < blocks; b++)
        {
            double total = Math.Max(1, Enumerable.Range(0, paths).Sum(p => _counts[b, p]));
            csv.Append(CultureInfo.InvariantCulture, $"{(b * _blockSize) + 1}");
            for (int p = 0; p < paths; p++)
            {
                shares[paths - 1 - p, b] = _counts[b, p] / total; // heat-map row 0 is drawn at the top
                csv.Append(CultureInfo.InvariantCulture, $",{_counts[b, p] / total:F4}");
            }

            csv.Append('\n');
        }

        File.WriteAllText(Path.Combine(directory, "planning-paths.csv"), csv.ToString());
        var plot = new Plot();
        var heat = plot.Add.Heatmap(shares);
        if (blocks > 1 && paths > 1)
        {
            // ScottPlot takes the extent as the centres of the corner cells: block centres in packets, ranks as integers.
            double half = (_blockSize + 1) / 2.0;
            heat.Extent = new CoordinateRect(half, ((blocks - 1) * _blockSize) + half, 0, paths - 1);
        }

        plot.Add.ColorBar(heat).Label = "share of the block's packets";
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title($"{planner}: path choice of flow 0 per block of {_blockSize} packets");
        plot.XLabel("packet");
        plot.YLabel("path rank by true delay D_θ(p) (0 = best alone)");
        plot.SavePng(Path.Combine(directory, "planning-paths.png"), 900, 500);
    }
}
