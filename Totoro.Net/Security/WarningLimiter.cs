namespace Totoro.Net.Security;

/// <summary>
/// Warnings about refused traffic, at most one per category per interval, saying how many were not printed: an attack
/// shows in the log without the log becoming the attack's amplifier.
/// </summary>
public sealed class WarningLimiter(Action<string> warn, long intervalMicros)
{
    private readonly Dictionary<string, (long Last, int Suppressed)> _state = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public void Warn(string category, string message)
    {
        long now = (long)_clock.Elapsed.TotalMicroseconds;
        if (_state.TryGetValue(category, out var state) && now - state.Last < intervalMicros)
        {
            _state[category] = (state.Last, state.Suppressed + 1);
            return;
        }

        _state[category] = (now, 0);
        warn(state.Suppressed > 0 ? $"{message} ({state.Suppressed} more like it not shown)" : message);
    }
}
