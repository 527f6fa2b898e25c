using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Totoro.Net.Control;

namespace Totoro.Cli;

/// <summary>`totoro app submit|list|watch --via HOST:PORT`: talk to a running node over the control protocol.</summary>
internal static class AppCommand
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var command = new Command("app", "Submit, list and watch FL apps through any running node (`totoro node`)");
        command.Subcommands.Add(Submit());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Watch());
        return command;
    }

    private static Option<string> Via() => new("--via") { Description = "HOST:PORT of a running node to talk through", Required = true };

    private static Command Submit()
    {
        Option<string> via = Via();
        var name = new Option<string>("--name") { Description = "The app's name (its id is a hash of it)", Required = true };
        var spec = new AppSpecOptions();
        var command = new Command("submit", "Submit an FL app: it is advertised to every node; workers subscribe, and its master starts when all are attached") { via, name };
        spec.AddTo(command);
        command.SetAction(parsed =>
        {
            IPEndPoint endpoint = EndpointArgument.Parse("--via", parsed.GetValue(via));
            var request = new ControlRequest(0, "submit") { Spec = spec.ToSpec(parsed, parsed.GetValue(name)!), Seed = parsed.GetValue(spec.Seed) };
            ControlResponse response = Ask(endpoint, request);
            Console.Out.WriteLine($"submitted {request.Spec.Name} (app id {response.Status?.AppId}) via {endpoint}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        Option<string> via = Via();
        var command = new Command("list", "List the apps the node has discovered") { via };
        command.SetAction(parsed =>
        {
            ControlResponse response = Ask(EndpointArgument.Parse("--via", parsed.GetValue(via)), new ControlRequest(0, "list"));
            foreach (AppSummary app in response.Apps ?? [])
                Console.Out.WriteLine($"{app.Name}\t{app.AppId}\t{app.Model} on {app.Dataset}\t{app.Workers} workers\t{app.Rounds} rounds\t{app.ClientsPerRound} per round\t{app.Rule}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Watch()
    {
        Option<string> via = Via();
        var name = new Argument<string>("NAME") { Description = "The app's name" };
        var timeout = new Option<int>("--timeout") { Description = "Give up (exit 1) after this many seconds (0: never)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "At the end print the final status as JSON (with the final model)" };
        var command = new Command("watch", "Show an app's progress (round, accuracy, participants) until it finishes: exit 0 when it does, 1 when it fails or the node cannot be reached") { via, name, timeout, json };
        command.SetAction(parsed =>
        {
            IPEndPoint endpoint = EndpointArgument.Parse("--via", parsed.GetValue(via));
            string app = parsed.GetValue(name)!;
            int seconds = parsed.GetValue(timeout);
            if (seconds < 0)
                throw new UsageException($"--timeout must be 0 (never) or more seconds (got {seconds})");
            DateTime deadline = seconds == 0 ? DateTime.MaxValue : DateTime.UtcNow.AddSeconds(seconds);
            using var client = new ControlClient();
            string last = "";
            while (DateTime.UtcNow < deadline)
            {
                ControlResponse? response = client.Ask(endpoint, new ControlRequest(0, "status") { Name = app, IncludeModel = parsed.GetValue(json) }, AskTimeout * 2);
                if (response is null)
                {
                    Console.Error.WriteLine($"error: no answer from {endpoint} within {AskTimeout.TotalSeconds * 2:F0} s: is `totoro node` running there?");
                    return ExitCodes.Failed;
                }

                if (response is { Ok: true, Status: { } status })
                {
                    if (status.Error is not null)
                    {
                        Console.Error.WriteLine($"error: app {app} failed: {status.Error}");
                        return ExitCodes.Failed;
                    }

                    string line = Describe(app, status);
                    if (line != last)
                        Console.Out.WriteLine(line);
                    last = line;
                    if (status.Finished)
                    {
                        if (parsed.GetValue(json))
                            Console.Out.WriteLine(JsonSerializer.Serialize(status, ControlJson.Options));
                        return ExitCodes.Ok;
                    }
                }

                Thread.Sleep(500);
            }

            Console.Error.WriteLine($"error: app {app} did not finish within {seconds} s");
            return ExitCodes.Failed;
        });
        return command;
    }

    private static string Describe(string app, AppStatus status)
    {
        if (!status.Known)
            return $"{app}: not known at its master yet";
        if (!status.Started)
            return $"{app}: waiting for workers ({status.ReadyWorkers}/{status.Workers} attached)";
        string accuracy = double.IsNaN(status.Accuracy) ? "-" : status.Accuracy.ToString("F4", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"{app}: round {status.Round}/{status.Rounds} accuracy {accuracy} participants {status.Participants} updates {status.Contributions} at {status.Seconds:F1} s{(status.Finished ? " finished" : "")}");
    }

    /// <summary>One request; an unreachable node or an error answer ends the command with a one-line error.</summary>
    private static ControlResponse Ask(IPEndPoint endpoint, ControlRequest request)
    {
        using var client = new ControlClient();
        ControlResponse response = client.Ask(endpoint, request, AskTimeout)
            ?? throw new NodeUnreachableException($"no answer from {endpoint} within {AskTimeout.TotalSeconds:F0} s: is `totoro node` running there?");
        if (!response.Ok)
            throw new NodeUnreachableException($"{endpoint} refused: {response.Error}");
        return response;
    }
}

/// <summary>A node did not answer, or refused: printed as one line, exit code 1.</summary>
internal sealed class NodeUnreachableException(string message) : IOException(message);
