using System.CommandLine;
using Totoro.Cli;

// The `totoro` command: one root, one file per subcommand. Totoro.Torch's networks join the built-in models (libtorch
// loads only when one of them is used).
Totoro.Torch.TorchModels.Register();
var root = new RootCommand("Totoro: a decentralized federated-learning engine for the edge (simulator and real mode).")
{
    SimCommand.Create(),
    SweepCommand.Create(),
    NodeCommand.Create(),
    AppCommand.Create(),
    DeployCommand.Create(),
    Totoro.Cli.Experiments.ExperimentCommand.Create(),
    ModelsCommand.Create(),
    CaCommand.Create(),
    Totoro.Cli.Soak.SoakCommand.Create(),
};

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"error: {UsageErrors.Describe(parsed)}");
    return ExitCodes.BadUsage;
}

try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is UsageException or ArgumentException)
{
    // Bad options, or a scenario that cannot run as configured (a zone too small for the subscribers asked for).
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.BadUsage;
}
catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return ExitCodes.Failed;
}
catch (AggregateException ex)
{
    // Work spread over threads (deploy's host workers) failed: each cause on its own line, never a stack trace.
    foreach (Exception inner in ex.Flatten().InnerExceptions)
        Console.Error.WriteLine($"error: {inner.Message}");
    return ExitCodes.Failed;
}
