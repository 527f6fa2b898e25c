using System.CommandLine;

namespace Totoro.Cli;

/// <summary>`totoro sweep`: one sim per node count, collected into a CSV and a plot.</summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var command = new Command("sweep", "Run one sim per node count; write sweep.csv and hops.png");
        return command;
    }
}
