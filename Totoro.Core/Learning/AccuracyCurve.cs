using System.Globalization;

namespace Totoro.Core.Learning;

/// <summary>
/// Accuracy and loss after each round, measured once by a real run, replayed by timing-only runs (which carry sizes,
/// not floats, and so cannot evaluate). Read from the per-round CSV a real run writes with `--out`
/// (columns include round, accuracy and loss; the first app's rows are used).
/// </summary>
public sealed class AccuracyCurve
{
    private readonly (double Accuracy, double Loss)[] _points;

    public AccuracyCurve(IReadOnlyList<(double Accuracy, double Loss)> points)
    {
        if (points.Count == 0)
            throw new ArgumentException("An accuracy curve needs at least one round.", nameof(points));
        _points = [.. points];
    }

    public int Rounds => _points.Length;

    /// <summary>Accuracy and loss after rounds 1, 2, …</summary>
    public IReadOnlyList<(double Accuracy, double Loss)> Points => _points;

    /// <summary>After round r (1-based); past the curve's end, its last point.</summary>
    public (double Accuracy, double Loss) After(int round) => _points[Math.Clamp(round, 1, _points.Length) - 1];

    /// <summary>Reads a per-round CSV; a malformed file raises <see cref="InvalidDataException"/> naming the line.</summary>
    public static AccuracyCurve Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"accuracy curve '{path}' does not exist: write one with a real run (`totoro sim ... --train real --out DIR` writes DIR/rounds.csv).", path);
        string[] lines = File.ReadAllLines(path);
        if (lines.Length < 2)
            throw new InvalidDataException($"{path}: an accuracy curve needs a header line and at least one round.");
        string[] header = lines[0].Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        int app = Array.IndexOf(header, "app"), round = Array.IndexOf(header, "round"), accuracy = Array.IndexOf(header, "accuracy"), loss = Array.IndexOf(header, "loss");
        if (round < 0 || accuracy < 0)
            throw new InvalidDataException($"{path}:1: the header needs 'round' and 'accuracy' columns (got '{lines[0]}').");
        var points = new SortedDictionary<int, (double, double)>();
        string? firstApp = null;
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
                continue;
            string[] cells = lines[i].Split(',');
            if (cells.Length != header.Length)
                throw new InvalidDataException($"{path}:{i + 1}: {cells.Length} cells where the header has {header.Length}.");
            if (app >= 0)
            {
                firstApp ??= cells[app];
                if (cells[app] != firstApp)
                    continue;
            }

            if (cells[accuracy].Trim() is "NaN" or "")
                continue; // a round that was not evaluated
            if (!int.TryParse(cells[round], NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) || r < 1
                || !double.TryParse(cells[accuracy], NumberStyles.Float, CultureInfo.InvariantCulture, out double a) || !(a is >= 0 and <= 1))
                throw new InvalidDataException($"{path}:{i + 1}: round must be a positive integer and accuracy a number in [0, 1] (got '{lines[i]}').");
            double l = loss >= 0 && double.TryParse(cells[loss], NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) ? parsed : double.NaN;
            points[r] = (a, l);
        }

        if (points.Count == 0)
            throw new InvalidDataException($"{path}: no rounds in the file.");
        // Fill gaps (rounds not evaluated) with the last known point.
        var filled = new List<(double, double)>();
        (double, double) last = points.First().Value;
        for (int r = 1; r <= points.Keys.Max(); r++)
        {
            if (points.TryGetValue(r, out var p))
                last = p;
            filled.Add(last);
        }

        return new AccuracyCurve(filled);
    }
}
