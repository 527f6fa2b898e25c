namespace Totoro.Cli;

/// <summary>Process exit codes: 0 success, 1 a run that failed, 2 bad usage (options, config, input files), 3 an app that finished short.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;

    /// <summary>`app watch`: the app finished, but some rounds merged fewer updates than they selected (or it was stopped).</summary>
    public const int Shortfall = 3;
}

/// <summary>Bad input from the user: printed as one line naming the problem, exit code 2, never a stack trace.</summary>
public sealed class UsageException(string message) : Exception(message);
