using System.Globalization;

namespace Totoro.Cli.Soak;

/// <summary>
/// The kernel's IPv4 neighbour (ARP) table is one table for every network namespace, capped by
/// net.ipv4.neigh.default.gc_thresh3 (1024 by default), which only the root namespace can set. Hosts on a bridge that
/// all talk to each other hold a full mesh of entries: in each namespace one per other host and one for the bridge,
/// and in the root namespace one per host. Past about 30 hosts that exceeds 1024, the kernel refuses new entries
/// ("neighbor table overflow" in dmesg) and hosts stop reaching each other and the root namespace, sshds included.
/// So a network raises the limits to fit its mesh, twice over (other runs on the machine share the table), and never
/// lowers them: a run in another process may still need them.
/// </summary>
internal static class NeighbourTable
{
    public const string SoftPath = "/proc/sys/net/ipv4/neigh/default/gc_thresh2";
    public const string HardPath = "/proc/sys/net/ipv4/neigh/default/gc_thresh3";

    /// <summary>The kernel's default hard limit, left free for everything else on the machine.</summary>
    public const int KernelDefault = 1024;

    /// <summary>Entries a full mesh of <paramref name="hosts"/> holds: each namespace n (n-1 peers and the bridge), the root n.</summary>
    public static int EntriesFor(int hosts) => (hosts * hosts) + hosts;

    /// <summary>The soft and hard limits that fit <paramref name="hosts"/>: the default's room plus two such meshes.</summary>
    public static (int Soft, int Hard) LimitsFor(int hosts)
    {
        int hard = KernelDefault + (2 * EntriesFor(hosts));
        return (hard / 2, hard);
    }

    /// <summary>Raises the limits to fit <paramref name="hosts"/> if they are lower; returns what changed, or null.</summary>
    public static string? Fit(int hosts)
    {
        (int soft, int hard) = LimitsFor(hosts);
        int oldSoft = Read(SoftPath), oldHard = Read(HardPath);
        if (oldHard >= hard && oldSoft >= soft)
            return null;
        try
        {
            // The hard limit first, so the soft one is never above it.
            if (oldHard < hard)
                File.WriteAllText(HardPath, hard.ToString(CultureInfo.InvariantCulture));
            if (oldSoft < soft)
                File.WriteAllText(SoftPath, soft.ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not the root namespace, or a read-only /proc: small networks still fit, so say it and go on.
            return string.Create(CultureInfo.InvariantCulture,
                $"kernel neighbour table not raised ({ex.Message}): gc_thresh3 {oldHard} is below the {hard} that {hosts} hosts' full mesh wants, so hosts may stop reaching each other (\"neighbor table overflow\" in dmesg)");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"kernel neighbour table raised for {hosts} hosts ({EntriesFor(hosts)} entries in a full mesh): gc_thresh2 {oldSoft} -> {Math.Max(oldSoft, soft)}, gc_thresh3 {oldHard} -> {Math.Max(oldHard, hard)}");
    }

    public static int Read(string path) => int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
}
