using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Rings;

public class ZoneLocalFlagTests
{
    [Fact]
    public void A_zone_local_lookup_keeps_its_flag_over_the_wire_and_unknown_bits_are_still_rejected()
    {
        var directory = new TestDirectory();
        PeerHandle origin = directory.Add(NodeId.FromRandom(3, 4), 0x0A000001_1F90);
        var lookup = new Message { Kind = MessageKind.Lookup, Flags = MessageFlags.ZoneLocal, Key = NodeId.FromRandom(5, 6), Origin = origin, Hops = 2, Stamp = 77 };

        byte[] bytes = MessageCodec.Encode(lookup, directory);
        Assert.True(MessageCodec.TryDecode(bytes, directory, out Message decoded, out string? error), error);
        Assert.Equal(MessageFlags.ZoneLocal, decoded.Flags);

        bytes[2] = 0x20; // the first bit no flag uses
        Assert.False(MessageCodec.TryDecode(bytes, directory, out _, out error));
        Assert.Contains("flag", error);
    }
}
