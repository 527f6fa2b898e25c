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
    string command = parsed.CommandResult.Command == root ? "totoro" : $"totoro {parsed.CommandResult.Command.Name}";
    Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (see `{command} --help`)");
    return ExitCodes.BadUsage;
}

try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.BadUsage;
}
catch (ArgumentException ex)
{
    // A scenario that cannot be run as configured (for example a zone too small for the subscribers asked for).
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.BadUsage;
}
catch (IOException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.Failed;
}
catch (UnauthorizedAccessException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.Failed;
}
