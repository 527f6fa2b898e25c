using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Totoro.Sim.Kernel;

/// <summary>
/// Moves the managed heap onto 2 MB pages (Linux's MADV_COLLAPSE), range by range as it fills. A million-node world
/// touches a gigabyte at random, a node's rows and its peers' rows per event: with 4 KB pages nearly every such touch
/// also misses the TLB and walks the page tables (in a virtual machine, both the guest's and the host's); 2 MB pages
/// let the TLB cover the heap. Only ranges with nearly every small page present are collapsed, so the resident size
/// grows by at most <see cref="MaxHoles"/> pages per range. A hint: what the program computes is the same either way,
/// and where the system refuses (not Linux, huge pages off, no free 2 MB frame) nothing changes.
/// </summary>
public static class HugePages
{
    private const ulong Huge = 2 << 20;
    private const int PagesPerHuge = (int)(Huge / 4096);
    private const int MadvCollapse = 25;

    /// <summary>Small pages a 2 MB range may lack and still be collapsed (their frames become resident: 48 KB at most).</summary>
    internal const int MaxHoles = 12;

    private static bool _unavailable; // the system refused once (no /proc, no C library to call): not asked again

    /// <summary>
    /// Collapses the dense 2 MB ranges of the run of anonymous mappings that holds the managed heap (the collector's
    /// reservation: its committed and reserved parts are separate mappings, adjacent); returns the bytes asked for.
    /// Ranges already huge are left as they are by the kernel at little cost, so calling this again as the heap grows
    /// moves only what is new.
    /// </summary>
    public static long CollapseManagedHeap()
    {
        if (!OperatingSystem.IsLinux() || _unavailable)
            return 0;
        try
        {
            return Collapse(HeapAddress());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException or DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true; // a hint only: a system without /proc, or whose C library does not resolve, runs on as it is
            return 0;
        }
    }

    /// <summary>Whether a range's pagemap entries (8 bytes a page; bit 63: present) lack at most <see cref="MaxHoles"/> pages.</summary>
    internal static bool IsDense(ReadOnlySpan<byte> entries)
    {
        int pages = entries.Length / 8;
        int present = 0;
        for (int p = 0; p < pages; p++)
            present += (int)(BinaryPrimitives.ReadUInt64LittleEndian(entries[(8 * p)..]) >> 63);
        return present >= pages - MaxHoles;
    }

    /// <summary>An address inside the managed heap: a new array's (it need not stay there; only its mapping counts).</summary>
    private static unsafe ulong HeapAddress()
    {
        byte[] probe = new byte[64];
        return (ulong)Unsafe.AsPointer(ref probe[0]);
    }

    private static long Collapse(ulong inside)
    {
        // /proc/self/maps lists mappings in address order; a path (a file, [stack], [heap]) makes a sixth field.
        var anonymous = new List<(ulong Start, ulong End, bool Writable)>();
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 5)
                continue;
            int dash = fields[0].IndexOf('-');
            anonymous.Add((ulong.Parse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                fields[1].StartsWith("rw", StringComparison.Ordinal)));
        }

        int at = anonymous.FindIndex(m => m.Start <= inside && inside < m.End);
        if (at < 0)
            return 0;
        int first = at;
        int last = at;
        while (first > 0 && anonymous[first - 1].End == anonymous[first].Start)
            first--;
        while (last < anonymous.Count - 1 && anonymous[last].End == anonymous[last + 1].Start)
            last++;

        long asked = 0;
        using var pagemap = OpenPagemap();
        byte[] entries = new byte[8 * PagesPerHuge];
        for (int i = first; i <= last; i++)
        {
            if (anonymous[i].Writable)
                asked += CollapseDense(anonymous[i].Start, anonymous[i].End, pagemap, entries);
        }

        return asked;
    }

    /// <summary>Collapses the dense whole 2 MB ranges inside [from, to); returns the bytes asked for.</summary>
    internal static long CollapseDense(ulong from, ulong to)
    {
        using var pagemap = OpenPagemap();
        return CollapseDense(from, to, pagemap, new byte[8 * PagesPerHuge]);
    }

    private static FileStream OpenPagemap() => new("/proc/self/pagemap", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);

    private static long CollapseDense(ulong from, ulong to, FileStream pagemap, byte[] entries)
    {
        long asked = 0;
        for (ulong range = (from + Huge - 1) & ~(Huge - 1); range + Huge <= to; range += Huge)
        {
            if (RandomAccess.Read(pagemap.SafeFileHandle, entries, (long)(range / 4096 * 8)) != entries.Length)
                break;
            if (!IsDense(entries))
                continue;
            Madvise((nint)range, (nuint)Huge, MadvCollapse);
            asked += (long)Huge;
        }

        return asked;
    }

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(nint address, nuint length, int advice);
}
