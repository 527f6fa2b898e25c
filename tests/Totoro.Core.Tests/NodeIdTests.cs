using System.Numerics;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests;

public class NodeIdTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Digits_reassemble_into_the_id(int b)
    {
        var random = new Random(b);
        for (int trial = 0; trial < 200; trial++)
        {
            var id = NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64());
            BigInteger rebuilt = BigInteger.Zero;
            int bits = 0;
            for (int i = 0; i < NodeId.DigitCount(b); i++)
            {
                int width = Math.Min(b, 128 - (i * b));
                rebuilt = (rebuilt << width) | id.Digit(i, b);
                Assert.InRange(id.Digit(i, b), 0, (1 << width) - 1);
                bits += width;
            }

            Assert.Equal(128, bits);
            Assert.Equal((BigInteger)id.Value, rebuilt);
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Shared_prefix_matches_digit_by_digit_comparison(int b)
    {
        var random = new Random(100 + b);
        for (int trial = 0; trial < 500; trial++)
        {
            var a = NodeId.FromRandom((ulong)random.NextInt64(), (ulong)random.NextInt64());
            // Flip one random bit so prefixes of every length occur.
            int bit = random.Next(128);
            var other = new NodeId(a.Value ^ (UInt128.One << bit));
            int expected = 0;
            while (expected < NodeId.DigitCount(b) && a.Digit(expected, b) == other.Digit(expected, b))
                expected++;
            Assert.Equal(expected, a.SharedPrefixDigits(other, b));
        }
    }

    [Fact]
    public void Distance_is_the_shorter_way_round_and_ties_go_to_the_smaller_id()
    {
        var key = new NodeId(UInt128.Zero);
        var justBelow = new NodeId(UInt128.MaxValue); // 1 counter-clockwise
        var justAbove = new NodeId(UInt128.One);      // 1 clockwise
        Assert.Equal(UInt128.One, key.DistanceTo(justBelow));
        Assert.Equal(UInt128.One, key.DistanceTo(justAbove));
        Assert.True(key.IsCloser(justAbove, justBelow));
        Assert.False(key.IsCloser(justBelow, justAbove));
        Assert.True(key.IsCloser(justBelow, new NodeId(2)));
    }
}
