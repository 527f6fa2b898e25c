using System.CommandLine;
using Totoro.Cli;

// The `totoro` command: one root, one file per subcommand.
var root = new RootCommand("Totoro: a decentralized federated-learning engine for the edge (simulator and real mode).")
{
    SimCommand.Create(),
    SweepCommand.Create(),
};

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (see `totoro {string.Join(' ', parsed.CommandResult.Command.Name == "totoro" ? [] : new[] { parsed.CommandResult.Command.Name })} --help`)".Replace("  ", " ", StringComparison.Ordinal));
    return ExitCodes.BadUsage;
}

try
{
    return await parsed.InvokeAsync();
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.BadUsage;
}
