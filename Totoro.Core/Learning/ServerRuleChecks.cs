namespace Totoro.Core.Learning;

internal static class ServerRuleChecks
{
    public static void SameLength(float[] global, float[] update)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(update);
        if (global.Length != update.Length)
            throw new ArgumentException($"The update has {update.Length} elements; the model has {global.Length}.", nameof(update));
    }
}
