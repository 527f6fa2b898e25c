using System.Globalization;

namespace Totoro.Core.Learning;

/// <summary>
/// How an app's training samples are spread over its workers: <c>iid</c>, <c>dirichlet:ALPHA</c> (label skew),
/// <c>shards:K</c> (K label-sorted shards each), or <c>natural</c> (synthetic data only: each generated client is a worker).
/// </summary>
public readonly record struct PartitionSpec(string Kind, double Alpha, int Shards)
{
    public static PartitionSpec Iid => new("iid", 0, 0);

    public static PartitionSpec Natural => new("natural", 0, 0);

    public override string ToString() => Kind switch
    {
        "dirichlet" => $"dirichlet:{Alpha.ToString(CultureInfo.InvariantCulture)}",
        "shards" => $"shards:{Shards.ToString(CultureInfo.InvariantCulture)}",
        _ => Kind,
    };

    /// <summary>Parses a partition; returns false with the reason and the accepted forms.</summary>
    public static bool TryParse(string text, out PartitionSpec spec, out string? error)
    {
        spec = Iid;
        error = null;
        string[] parts = (text ?? "").Trim().ToLowerInvariant().Split(':');
        switch (parts[0])
        {
            case "iid" when parts.Length == 1:
                return true;
            case "natural" when parts.Length == 1:
                spec = Natural;
                return true;
            case "dirichlet" when parts.Length == 2
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double alpha) && alpha > 0 && double.IsFinite(alpha):
                spec = new PartitionSpec("dirichlet", alpha, 0);
                return true;
            case "shards" when parts.Length == 2
                && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k >= 1:
                spec = new PartitionSpec("shards", 0, k);
                return true;
            default:
                error = $"partition '{text}' is not one of iid, dirichlet:ALPHA (ALPHA > 0), shards:K (K ≥ 1), natural";
                return false;
        }
    }
}
