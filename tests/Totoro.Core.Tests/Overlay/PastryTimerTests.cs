using Totoro.Core.Overlay;

namespace Totoro.Core.Tests.Overlay;

public class PastryTimerTests
{
    [Fact]
    public void The_FreePastry_preset_has_its_defaults()
    {
        PastryOptions o = new PastryOptions { B = 3 }.WithFreePastryTimers();
        Assert.Equal(20_000_000, o.LeafSetPingPeriodMicros);
        Assert.Equal(30_000_000, o.LeaseMicros);
        Assert.Equal(900_000_000, o.RoutingMaintenancePeriodMicros);
        Assert.True(o.HopAckTimeoutMicros > 0);
        Assert.Equal(3, o.B); // a preset changes timers only
        Assert.Empty(o.Validate());
    }

    [Fact]
    public void The_paper_preset_has_its_failure_test_values()
    {
        PastryOptions o = new PastryOptions().WithPaperFailureTimers();
        Assert.Equal(8_000_000, o.LeafSetPingPeriodMicros);
        Assert.Equal(10_000_000, o.LeaseMicros);
        Assert.Equal(3_000_000, o.ProbeTimeoutMicros);
        Assert.Equal(900_000_000, o.RoutingMaintenancePeriodMicros);
        Assert.Empty(o.Validate());
    }

    [Fact]
    public void Plain_options_keep_repair_extras_off_so_earlier_runs_are_unchanged()
    {
        var o = new PastryOptions();
        Assert.Equal(0, o.RoutingMaintenancePeriodMicros);
        Assert.Equal(0, o.HopAckTimeoutMicros);
        Assert.Equal(0, o.LeafProbesPerPeriod);
    }

    [Theory]
    [InlineData(-1L, 0L, 6, "routing-maintenance")]
    [InlineData(0L, -5L, 6, "hop-ack")]
    [InlineData(0L, 0L, 65, "hop retries")]
    public void Bad_repair_options_are_named(long maintenance, long ack, int retries, string named)
    {
        var o = new PastryOptions { RoutingMaintenancePeriodMicros = maintenance, HopAckTimeoutMicros = ack, HopRetries = retries };
        Assert.Contains(o.Validate(), p => p.Contains(named, StringComparison.Ordinal));
    }
}
