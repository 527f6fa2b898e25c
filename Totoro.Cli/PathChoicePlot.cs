using System.Globalization;
using System.Text;
using ScottPlot;

namespace Totoro.Cli;

/// <summary>
/// Paper Fig. 11: how often one flow picks each of its candidate paths, per block of packets.
/// Written as planning-paths.csv (block start, then one share column per candidate) and a heat map PNG.
/// </summary>
internal sealed class PathChoicePlot(int packets, int candidates)
{
    private const int Blocks = 50;
    private readonly int _blockSize = Math.Max(1, (packets + Blocks - 1) / Blocks);
    private readonly int[,] _counts = new int[Math.Min(Blocks, packets), candidates];

    /// <summary>Records flow 0's choices (the scenario's callback).</summary>
    public void Record(long slot, int flow, int candidate)
    {
        if (flow == 0 && candidate >= 0)
            _counts[Math.Min((int)((slot - 1) / _blockSize), _counts.GetLength(0) - 1), candidate]++;
    }

    public void Write(string directory, string planner, string stem = "planning-paths")
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
                shares[paths - 1 - p, b] = _counts[b, p] / total;
                csv.Append(CultureInfo.InvariantCulture, $",{_counts[b, p] / total:F4}");
            }

            csv.Append('\n');
        }

        File.WriteAllText(Path.Combine(directory, stem + ".csv"), csv.ToString());
        var plot = new Plot();
        var heat = plot.Add.Heatmap(shares);
        plot.Add.ColorBar(heat);
        plot.Title($"{planner}: path choice frequency of flow 0 (blocks of {_blockSize} packets)");
        plot.XLabel("packet block");
        plot.YLabel("candidate path (0 = shortest, bottom)");
        plot.SavePng(Path.Combine(directory, stem + ".png"), 900, 500);
    }
}
