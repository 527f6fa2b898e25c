namespace Totoro.Net.Hosting;

/// <summary>How much a host says: each level includes the ones above it.</summary>
public enum LogLevel
{
    Error = 0,
    Warn = 1,
    Info = 2,
    Debug = 3,
}
