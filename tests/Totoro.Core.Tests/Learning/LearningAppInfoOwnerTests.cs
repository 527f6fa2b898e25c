using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

public class LearningAppInfoOwnerTests
{
    [Fact]
    public void An_owned_app_round_trips_its_creator_salt_and_signature_and_an_unowned_one_keeps_its_old_bytes()
    {
        var spec = new AppSpec { Name = "x", Dataset = "synthetic", Workers = 4 };
        var unowned = new LearningAppInfo(spec, 3, 10, Timing: false);
        byte[] plain = unowned.Encode();
        Assert.Equal(2, plain[0]); // the simulator's descriptors (nobody owns them) are as long as before ownership
        var owned = unowned with { Creator = [.. Enumerable.Range(0, 32).Select(i => (byte)i)], Salt = 9, Signature = [.. Enumerable.Range(0, 64).Select(i => (byte)(i * 3))] };
        byte[] bytes = owned.Encode();
        Assert.Equal(plain.Length + 1 + 32 + 8 + 1 + 64, bytes.Length);
        Assert.True(LearningAppInfo.TryDecode(bytes, out LearningAppInfo? back, out string? error), error);
        Assert.Equal(owned.Creator, back!.Creator);
        Assert.Equal(9UL, back.Salt);
        Assert.Equal(owned.Signature, back.Signature);
        Assert.True(LearningAppInfo.TryDecode(plain, out LearningAppInfo? old, out _));
        Assert.Empty(old!.Creator);
        for (int cut = 0; cut < bytes.Length; cut++)
            Assert.False(LearningAppInfo.TryDecode(bytes.AsSpan(0, cut), out _, out _)); // every truncation refused, none throws
    }
}
