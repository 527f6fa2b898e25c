using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Overlay;

public class JoinRetryTests
{
    [Theory]
    [InlineData(MessageKind.JoinRequest)]
    [InlineData(MessageKind.JoinReply)]
    public void A_lost_join_message_is_sent_again_after_the_join_retry_not_the_join_timeout(MessageKind lost)
    {
        var options = new PastryOptions { JoinRetryMicros = 1_500_000 };
        var world = new TwoNodeWorld(options, dropFirst: lost);
        world.Run(until: 5_000_000);

        Assert.True(world.Joiner.IsJoined, $"the joiner must have joined within 5 s of simulated time ({world.Joiner.JoinAttempts} attempts)");
        Assert.Equal(2, world.Joiner.JoinAttempts);
        Assert.InRange(world.JoinedAt, 1_500_000, 2_000_000);
        Assert.Equal(1, world.Dropped);
    }

    [Fact]
    public void Without_the_join_retry_a_lost_join_waits_for_the_join_timeout()
    {
        // The oracle for the test above: the same loss costs a whole join timeout when the option is off.
        var world = new TwoNodeWorld(new PastryOptions(), dropFirst: MessageKind.JoinRequest);
        world.Run(until: 5_000_000);
        Assert.False(world.Joiner.IsJoined);
        world.Run(until: 31_000_000);
        Assert.True(world.Joiner.IsJoined);
        Assert.InRange(world.JoinedAt, 30_000_000, 31_000_000);
    }

    [Fact]
    public void Quick_retries_are_bounded_then_the_listener_hears_of_the_stall_and_retries_slow_down()
    {
        var options = new PastryOptions { JoinRetryMicros = 1_000_000, JoinRetries = 3, JoinTimeoutMicros = 20_000_000 };
        var world = new TwoNodeWorld(options, dropFirst: null, bootstrapDead: true);
        world.Run(until: 10_000_000);
        Assert.False(world.Joiner.IsJoined);
        Assert.Equal(4, world.Joiner.JoinAttempts); // the first and three quick retries
        Assert.Equal([3], world.Stalls);
        world.Run(until: 40_000_000);
        Assert.Equal(5, world.Joiner.JoinAttempts); // then one per join timeout
        Assert.Equal([3], world.Stalls);
    }

    [Fact]
    public void Join_retry_options_are_validated()
    {
        Assert.Contains(new PastryOptions { JoinRetryMicros = -1 }.Validate(), p => p.Contains("join retr", StringComparison.Ordinal));
        Assert.Contains(new PastryOptions { JoinRetries = 65 }.Validate(), p => p.Contains("join retr", StringComparison.Ordinal));
        Assert.Equal(0, new PastryOptions().JoinRetryMicros); // off unless asked for: static simulations are unchanged
    }
}
