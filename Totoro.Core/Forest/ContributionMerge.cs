using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// Merging two contributions on the way up: the app's rule merges the contents; attachments (the workers' reports)
/// travel along, concatenated, capped at <see cref="Payload.MaxAttachmentBytes"/>. Any aggregator (a tree node, a
/// star's server) merges this way.
/// </summary>
public static class ContributionMerge
{
    public static Payload Merge(IAggregationRule rule, Payload a, Payload b)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Payload merged = IsEmpty(a) ? b.WithAttachment(null)
            : IsEmpty(b) ? a.WithAttachment(null)
            : rule.Merge(a.Attachment is null ? a : a.WithAttachment(null), b.Attachment is null ? b : b.WithAttachment(null));
        if (a.Attachment is null && b.Attachment is null)
            return merged;
        byte[] x = a.Attachment ?? [], y = b.Attachment ?? [];
        int fromX = Math.Min(x.Length, Payload.MaxAttachmentBytes);
        int fromY = Math.Min(y.Length, Payload.MaxAttachmentBytes - fromX);
        var joined = new byte[fromX + fromY];
        x.AsSpan(0, fromX).CopyTo(joined);
        y.AsSpan(0, fromY).CopyTo(joined.AsSpan(fromX));
        return merged.WithAttachment(joined);
    }

    /// <summary>Nothing but (perhaps) an attachment: the merge's identity.</summary>
    private static bool IsEmpty(Payload p) => p.Vector is null && p.Data is null && p.ContentBytes == 0 && p.Weight == 0;
}
