using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Rings;

public class ZoneMapTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(12, 4)]
    [InlineData(16, 4)]
    [InlineData(17, 5)]
    public void The_prefix_is_ceil_log2_of_the_zone_count(int zones, int bits) => Assert.Equal(bits, new ZoneMap(zones).PrefixBits);

    [Fact]
    public void A_composed_id_carries_its_zone_in_the_top_bits_and_keeps_the_suffix()
    {
        var map = new ZoneMap(12);
        var random = NodeId.FromRandom(0xFFFF_FFFF_FFFF_FFFF, 0x1234);
        for (int zone = 0; zone < 12; zone++)
        {
            NodeId id = map.Compose(zone, random);
            Assert.Equal(zone, map.ZoneOf(id));
            Assert.Equal(random.Value & (UInt128.MaxValue >> 4), id.Value & (UInt128.MaxValue >> 4));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => map.Compose(12, random));
    }

    [Fact]
    public void One_zone_leaves_ids_alone()
    {
        var map = new ZoneMap(1);
        var id = NodeId.FromRandom(0xF000_0000_0000_0000, 5);
        Assert.Equal(id, map.Compose(0, id));
        Assert.Equal(0, map.ZoneOf(id));
    }
}
