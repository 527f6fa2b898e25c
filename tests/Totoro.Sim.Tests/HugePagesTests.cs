using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Totoro.Sim.Kernel;
using Xunit;

namespace Totoro.Sim.Tests;

public class HugePagesTests
{
    [Fact]
    public void A_dense_array_is_asked_onto_huge_pages()
    {
        if (!OperatingSystem.IsLinux())
            return;
        byte[] dense = new byte[16 << 20];
        for (int i = 0; i < dense.Length; i += 4096)
            dense[i] = 1; // every page present
        var pin = GCHandle.Alloc(dense, GCHandleType.Pinned);
        try
        {
            ulong start = (ulong)pin.AddrOfPinnedObject();
            Assert.True(HugePages.CollapseManagedHeap() >= 14 << 20); // the run of mappings holding the heap holds this array
            ulong end = start + (ulong)dense.Length;
            const ulong Huge = 2 << 20;
            long whole = (long)((end & ~(Huge - 1)) - ((start + Huge - 1) & ~(Huge - 1))); // 7 or 8 ranges, by alignment
            Assert.Equal(whole, HugePages.CollapseDense(start, end)); // every page present: all of them
            Assert.Equal(0, HugePages.CollapseDense(start, start + Huge - 1)); // no whole range
        }
        finally
        {
            pin.Free();
        }
    }

    [Fact]
    public void Only_a_range_with_nearly_every_page_present_is_dense()
    {
        byte[] entries = new byte[8 * 512];
        for (int p = 0; p < 512; p++)
            BinaryPrimitives.WriteUInt64LittleEndian(entries.AsSpan(8 * p), 1UL << 63);
        Assert.True(HugePages.IsDense(entries));
        for (int p = 0; p < HugePages.MaxHoles; p++)
            BinaryPrimitives.WriteUInt64LittleEndian(entries.AsSpan(8 * p * 40), 0);
        Assert.True(HugePages.IsDense(entries));
        BinaryPrimitives.WriteUInt64LittleEndian(entries.AsSpan(8 * 511), (1UL << 62) | 5); // swapped, not present
        Assert.False(HugePages.IsDense(entries));
    }
}
