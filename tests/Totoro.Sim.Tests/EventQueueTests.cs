using Totoro.Sim.Kernel;

namespace Totoro.Sim.Tests;

public class EventQueueTests
{
    [Fact]
    public void Events_come_out_in_time_order_and_simultaneous_ones_in_schedule_order()
    {
        var random = new Random(3);
        var queue = new EventQueue<long>(4);
        var expected = new List<(long Time, long Order)>();
        long order = 0;
        for (int round = 0; round < 50; round++)
        {
            // Interleave schedules and dequeues; times collide often (only 100 distinct values).
            for (int i = 0; i < random.Next(1, 400); i++)
            {
                long time = random.Next(100) + (round * 10);
                queue.Schedule(time, order);
                expected.Add((time, order++));
            }

            expected.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Order.CompareTo(b.Order));
            for (int i = 0; i < random.Next(0, expected.Count); i++)
            {
                Assert.True(queue.TryDequeue(out long time, out long payload));
                Assert.Equal(expected[0], (time, payload));
                expected.RemoveAt(0);
            }
        }

        while (queue.TryDequeue(out long time, out long payload))
        {
            Assert.Equal(expected[0], (time, payload));
            expected.RemoveAt(0);
        }

        Assert.Empty(expected);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_steady_queue_stops_growing_once_warm()
    {
        var queue = new EventQueue<int>(16);
        var random = new Random(5);
        for (int i = 0; i < 1000; i++)
            queue.Schedule(random.Next(100_000), i);
        void Hold(int operations)
        {
            for (int i = 0; i < operations; i++)
            {
                queue.TryDequeue(out long time, out int payload);
                queue.Schedule(time + random.Next(1, 100_000), payload);
            }
        }

        Hold(200_000);
        long warm = queue.CapacityBytes;
        Hold(200_000);
        Assert.Equal(warm, queue.CapacityBytes);
        Assert.Equal(1000, queue.Count);
    }

    [Fact]
    public void Far_future_events_and_late_short_delays_interleave_in_time_order()
    {
        var queue = new EventQueue<long>();
        var expected = new List<long>();
        // A far-future spread (timers seconds ahead) and dense near traffic.
        for (int i = 0; i < 5000; i++)
        {
            long t = i % 10 == 0 ? 1_000_000L * (1 + (i % 20)) : 1000 + (i * 7 % 3000);
            queue.Schedule(t, t);
            expected.Add(t);
        }

        long now = 0;
        int handled = 0;
        while (queue.TryDequeue(out long time, out long payload))
        {
            Assert.True(time >= now, $"time went back from {now} to {time}");
            Assert.Equal(time, payload);
            now = time;
            if (handled++ < 3000 && handled % 3 == 0)
            {
                // Zero and tiny delays land in the window being consumed.
                queue.Schedule(now, now);
                queue.Schedule(now + 1, now + 1);
            }
        }

        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Peeking_ahead_sees_the_events_that_come_out_next_and_changes_nothing()
    {
        var random = new Random(5);
        var peeking = new EventQueue<long>();
        var plain = new EventQueue<long>();
        for (int i = 0; i < 1_000_000; i++) // enough pending events for windows of tens, as in a large world
        {
            long time = random.Next(50_000_000);
            peeking.Schedule(time, i);
            plain.Schedule(time, i);
        }

        var upcoming = new Dictionary<int, long>(); // dequeue number → payload a peek said it would have
        int seen = 0;
        for (int step = 0; peeking.TryDequeue(out long time, out long payload); step++)
        {
            Assert.True(plain.TryDequeue(out long expectedTime, out long expected));
            Assert.Equal((expectedTime, expected), (time, payload));
            if (upcoming.Remove(step, out long promised))
            {
                Assert.Equal(promised, payload); // nothing is scheduled meanwhile, so a peek within the window is exact
                seen++;
            }

            if (peeking.TryPeekAhead(3, out long ahead))
                upcoming[step + 4] = ahead;
        }

        Assert.False(plain.TryDequeue(out _, out _));
        Assert.True(seen > 500_000, $"only {seen} of 1,000,000 peeks landed inside a window");
    }

    [Fact]
    public void Bursts_that_grow_the_storage_past_several_segments_come_out_as_a_sorted_list_says()
    {
        // 10^5..10^6 pending events: the block pool needs several 64 Ki-slot segments, the far list and window grow too.
        var random = new Random(11);
        var queue = new EventQueue<long>();
        var oracle = new List<(long Time, long Order)>();
        long order = 0;
        long now = 0;
        void Burst(int events, int spread)
        {
            for (int i = 0; i < events; i++)
            {
                long time = now + random.Next(spread);
                queue.Schedule(time, order);
                oracle.Add((time, order++));
            }

            oracle.Sort();
        }

        int taken = 0;
        void Take(int events)
        {
            for (int i = 0; i < events; i++)
            {
                Assert.True(queue.TryDequeue(out long time, out long payload));
                Assert.Equal(oracle[taken++], (time, payload));
                now = time;
            }
        }

        Burst(300_000, 5_000_000);
        Take(100_000);
        Burst(600_000, 50_000_000); // a bigger burst while the ring is in use: far list, new segments
        Take(400_000);
        Burst(200_000, 100); // dense simultaneous times near now
        Take(300_000);
        Assert.Equal(oracle.Count - taken, queue.Count);
        Take(oracle.Count - taken);
        Assert.False(queue.TryDequeue(out _, out _));
    }
}
