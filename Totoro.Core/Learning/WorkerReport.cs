using System.Buffers.Binary;

namespace Totoro.Core.Learning;

/// <summary>
/// What a participant tells the master about its round, riding up the tree as a payload attachment beside the
/// merged update: who it is, its training loss and how long its device computed. Client selection (Oort) learns
/// from these. 12 bytes each, big endian.
/// </summary>
public readonly record struct WorkerReport(int Worker, float Loss, float ComputeSeconds)
{
    public const int Bytes = 12;

    /// <summary>The loss a non-participant reports: it only says which worker sits below.</summary>
    public const float Declined = -1;

    public bool IsParticipation => Loss >= 0;

    public byte[] Encode()
    {
        var bytes = new byte[Bytes];
        BinaryPrimitives.WriteInt32BigEndian(bytes, Worker);
        BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(4), Loss);
        BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(8), ComputeSeconds);
        return bytes;
    }

    /// <summary>Every whole, sane record in a merged attachment (a cut or garbled record is skipped, never thrown on).</summary>
    public static List<WorkerReport> DecodeAll(byte[]? attachment)
    {
        var reports = new List<WorkerReport>();
        if (attachment is null)
            return reports;
        for (int at = 0; at + Bytes <= attachment.Length; at += Bytes)
        {
            var report = new WorkerReport(
                BinaryPrimitives.ReadInt32BigEndian(attachment.AsSpan(at)),
                BinaryPrimitives.ReadSingleBigEndian(attachment.AsSpan(at + 4)),
                BinaryPrimitives.ReadSingleBigEndian(attachment.AsSpan(at + 8)));
            if (report.Worker >= 0 && float.IsFinite(report.Loss) && float.IsFinite(report.ComputeSeconds))
                reports.Add(report);
        }

        reports.Sort((a, b) => a.Worker.CompareTo(b.Worker)); // arrival order depends on the tree; the set does not
        return reports;
    }
}
