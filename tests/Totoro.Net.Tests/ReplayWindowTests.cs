using Totoro.Net.Security;

namespace Totoro.Net.Tests;

public class ReplayWindowTests
{
    /// <summary>The oracle: a number is accepted iff never accepted before and within the window below the highest accepted.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_window_accepts_exactly_what_a_brute_force_set_of_seen_numbers_accepts(int seed)
    {
        var random = new Random(seed);
        var window = new ReplayWindow();
        var seen = new HashSet<ulong>();
        ulong highest = 0;
        bool any = false;
        ulong next = 0;
        for (int i = 0; i < 200_000; i++)
        {
            // Mostly in order, with reordering, duplicates, and now and then a jump far ahead.
            ulong candidate = random.Next(10) switch
            {
                0 => next > 2000 ? next - (ulong)random.Next(0, 2000) : next,
                1 => next + (ulong)random.Next(1, 5000),
                _ => next++,
            };
            bool expected = !seen.Contains(candidate) && (!any || candidate > highest || highest - candidate < ReplayWindow.Size);
            Assert.Equal(expected, window.CanAccept(candidate));
            if (expected)
            {
                window.Commit(candidate);
                seen.Add(candidate);
                highest = any ? Math.Max(highest, candidate) : candidate;
                any = true;
                next = Math.Max(next, candidate + 1);
            }
        }
    }
}
