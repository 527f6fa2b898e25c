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
    public void Slots_are_reused_so_a_steady_queue_does_not_grow()
    {
        var queue = new EventQueue<int>(16);
        for (int i = 0; i < 16; i++)
            queue.Schedule(i, i);
        long bytes = queue.CapacityBytes;
        for (int i = 0; i < 100_000; i++)
        {
            queue.TryDequeue(out long time, out int payload);
            queue.Schedule(time + 16, payload);
        }

        Assert.Equal(bytes, queue.CapacityBytes);
        Assert.Equal(16, queue.Count);
    }
}
