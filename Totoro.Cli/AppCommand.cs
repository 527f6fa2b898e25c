using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Totoro.Net.Control;

namespace Totoro.Cli;

/// <summary>`totoro app submit|list|watch --via HOST:PORT`: talk to a running node over the control protocol.</summary>
internal static class AppCommand
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan ModelTimeout = TimeSpan.FromSeconds(60);

    private static readonly Option<FileInfo?> CreatorKey = new("--key")
    {
        Description = "Your Ed25519 key as an app's creator (made on first submit): the app id is hash(name, this key, --salt), and only this key may stop the app (default: $TOTORO_KEY, or ~/.config/totoro/creator.key)",
        Recursive = true,
    };

    private static readonly Option<ulong> Salt = new("--salt") { Description = "The salt of the app id (submit and stop)", DefaultValueFactory = _ => 0, Recursive = true };

    private static readonly Option<DirectoryInfo?> Operator = new("--operator")
    {
        Description = "An operator identity (node.key and node.cert from `totoro ca issue --role operator`): signs every request, which a node needs from elsewhere than its own machine",
        Recursive = true,
    };

    public static Command Create()
    {
        var command = new Command("app", "Submit, list, watch, inspect, stop and export FL apps through any running node (`totoro node`)") { CreatorKey, Salt, Operator };
        command.Subcommands.Add(Submit());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Watch());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Stop());
        command.Subcommands.Add(Model());
        return command;
    }

    private static Option<string> Via() => new("--via") { Description = "HOST:PORT of a running node to talk through", Required = true };

    private static Argument<string> AppName() => new("NAME") { Description = "The app's name" };

    private static Command Submit()
    {
        Option<string> via = Via();
        var name = new Option<string>("--name") { Description = "The app's name (its id is a hash of it)", Required = true };
        var minWorkers = new Option<int>("--min-workers") { Description = "Start with at least this many workers once --start-after has passed (else when every shard has one)", DefaultValueFactory = _ => 1 };
        var startAfter = new Option<int>("--start-after") { Description = "Seconds the master waits for a worker on every shard before starting with what it has", DefaultValueFactory = _ => 30 };
        var spec = new AppSpecOptions();
        var command = new Command("submit", "Submit an FL app: its root advertises it to every node; nodes subscribe and enrol for a data shard; the master starts when every shard has a worker, or at --start-after with at least --min-workers") { via, name, minWorkers, startAfter };
        spec.AddTo(command);
        command.SetAction(parsed =>
        {
            IPEndPoint endpoint = EndpointArgument.Parse("--via", parsed.GetValue(via));
            if (parsed.GetValue(minWorkers) < 1)
                throw new UsageException($"--min-workers must be at least 1 (got {parsed.GetValue(minWorkers)})");
            if (parsed.GetValue(startAfter) < 0)
                throw new UsageException($"--start-after must be 0 or more seconds (got {parsed.GetValue(startAfter)})");
            var request = new ControlRequest(0, "submit")
            {
                Spec = spec.ToSpec(parsed, parsed.GetValue(name)!) with { ModelAssembly = null }, // nodes load models from their own --model-assembly
                Seed = parsed.GetValue(spec.Seed),
                MinWorkers = parsed.GetValue(minWorkers),
                StartAfterSeconds = parsed.GetValue(startAfter),
            };
            request = CreatorIdentity.SignSubmit(request, CreatorIdentity.Path(parsed.GetValue(CreatorKey)), parsed.GetValue(Salt), create: true);
            ControlResponse response = Ask(parsed, endpoint, request, TimeSpan.FromSeconds(30)); // the submitting host loads the app's data first
            Console.Out.WriteLine($"submitted {request.Spec!.Name} (app id {response.Status?.AppId}, master {response.Status?.Root} at {response.Status?.RootEndpoint}) via {endpoint}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        Option<string> via = Via();
        var command = new Command("list", "List the apps the node's host has heard of") { via };
        command.SetAction(parsed =>
        {
            ControlResponse response = Ask(parsed, EndpointArgument.Parse("--via", parsed.GetValue(via)), new ControlRequest(0, "list"), AskTimeout);
            foreach (AppSummary app in response.Apps ?? [])
                Console.Out.WriteLine($"{app.Name}\t{app.AppId}\t{app.Model} on {app.Dataset}\t{app.Workers} shards\t{app.Rounds} rounds\t{app.ClientsPerRound} per round\t{app.Rule}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Status()
    {
        Option<string> via = Via();
        Argument<string> name = AppName();
        var json = new Option<bool>("--json") { Description = "Print the status as JSON (root node, its host, round, workers, accuracy, shortfall)" };
        var command = new Command("status", "Ask an app's master how it is going: exit 0 when it answers, 1 when the app is unknown or nobody answers") { via, name, json };
        command.SetAction(parsed =>
        {
            string app = parsed.GetValue(name)!;
            ControlResponse response = Ask(parsed, EndpointArgument.Parse("--via", parsed.GetValue(via)), new ControlRequest(0, "status") { Name = app }, AskTimeout);
            AppStatus status = response.Status!;
            Console.Out.WriteLine(parsed.GetValue(json) ? JsonSerializer.Serialize(status, ControlJson.Options) : Describe(app, status));
            return status.Known ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static Command Stop()
    {
        Option<string> via = Via();
        Argument<string> name = AppName();
        var command = new Command("stop", "Stop an app: its master begins no further round") { via, name };
        command.SetAction(parsed =>
        {
            string app = parsed.GetValue(name)!;
            ControlRequest request = CreatorIdentity.SignStop(new ControlRequest(0, "stop") { Name = app }, CreatorIdentity.Path(parsed.GetValue(CreatorKey)), parsed.GetValue(Salt));
            ControlResponse response = Ask(parsed, EndpointArgument.Parse("--via", parsed.GetValue(via)), request, AskTimeout);
            if (response.Status is not { Known: true } status)
            {
                Console.Error.WriteLine($"error: app {app} is not known at its master");
                return ExitCodes.Failed;
            }

            Console.Out.WriteLine($"stopped {app} after round {status.Round}/{status.Rounds}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Model()
    {
        Option<string> via = Via();
        Argument<string> name = AppName();
        var output = new Option<FileInfo>("--out") { Description = "Where to write the model (docs/model-format.md: the `TOTORO-MODEL` format)", Required = true };
        var command = new Command("model", "Fetch an app's global model from its master, with its round and accuracy") { via, name, output };
        command.SetAction(parsed =>
        {
            string app = parsed.GetValue(name)!;
            IPEndPoint endpoint = EndpointArgument.Parse("--via", parsed.GetValue(via));
            using ControlClient client = Client(parsed);
            // A big model comes in parts of one chunk each (ModelParts): every part is one control frame.
            AppStatus? fetched = ModelParts.Fetch(client, endpoint, new ControlRequest(0, "model") { Name = app }, AskTimeout * 2, out string? error);
            if (fetched is null)
                throw new NodeUnreachableException(error!);
            if (fetched is not { Known: true, Model: { } model } status)
            {
                Console.Error.WriteLine($"error: app {app} has no model at its master yet (unknown, or not started)");
                return ExitCodes.Failed;
            }

            FileInfo file = parsed.GetValue(output)!;
            ModelFile.Write(file.FullName, new ModelFile(app, status.Round, status.Accuracy, model));
            Console.Out.WriteLine($"wrote {app}'s model ({model.Length} parameters, round {status.Round}, accuracy {Accuracy(status)}) to {file.FullName}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Watch()
    {
        Option<string> via = Via();
        Argument<string> name = AppName();
        var timeout = new Option<int>("--timeout") { Description = "Give up (exit 1) after this many seconds", DefaultValueFactory = _ => 600 };
        var json = new Option<bool>("--json") { Description = "At the end print the final status as JSON (with the final model)" };
        var command = new Command("watch", "Show an app's progress until it finishes: exit 0 when every round merged the updates it selected, 3 when it finished short of them, 1 when it fails, is unknown or nobody answers") { via, name, timeout, json };
        command.SetAction(parsed =>
        {
            IPEndPoint endpoint = EndpointArgument.Parse("--via", parsed.GetValue(via));
            string app = parsed.GetValue(name)!;
            int seconds = parsed.GetValue(timeout);
            if (seconds < 1)
                throw new UsageException($"--timeout must be at least 1 second (got {seconds})");
            DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
            DateTime unknownSince = DateTime.UtcNow;
            using ControlClient client = Client(parsed);
            string last = "";
            while (DateTime.UtcNow < deadline)
            {
                // The model (megabytes for a CNN) is fetched once, at the end, not with every poll.
                ControlResponse? response = client.Ask(endpoint, new ControlRequest(0, "status") { Name = app }, AskTimeout);
                if (response is null)
                {
                    Console.Error.WriteLine($"error: no answer from {endpoint} within {AskTimeout.TotalSeconds:F0} s: is `totoro node` running there?");
                    return ExitCodes.Failed;
                }

                if (response is { Ok: true, Status: { } status })
                {
                    if (status.Error is not null && !status.Known)
                    {
                        Console.Error.WriteLine($"error: app {app} failed: {status.Error}");
                        return ExitCodes.Failed;
                    }

                    if (!status.Known && DateTime.UtcNow - unknownSince > UnknownGrace)
                    {
                        Console.Error.WriteLine($"error: no app named {app} is known at its master (after {UnknownGrace.TotalSeconds:F0} s): submit it first");
                        return ExitCodes.Failed;
                    }

                    string line = Describe(app, status);
                    if (line != last)
                        Console.Out.WriteLine(line);
                    last = line;
                    if (status.Finished)
                    {
                        if (parsed.GetValue(json))
                        {
                            // A CNN's model is megabytes of JSON through the overlay: give it time, and say so if it never comes.
                            AppStatus? final = ModelParts.Fetch(client, endpoint, new ControlRequest(0, "status") { Name = app, IncludeModel = true }, ModelTimeout, out _);
                            if (final?.Model is null)
                            {
                                Console.Error.WriteLine($"error: app {app} finished, but its model did not arrive from {endpoint} within {ModelTimeout.TotalSeconds:F0} s");
                                return ExitCodes.Failed;
                            }

                            Console.Out.WriteLine(JsonSerializer.Serialize(final, ControlJson.Options));
                        }

                        if (status.ShortRounds > 0 || status.Stopped)
                        {
                            Console.Error.WriteLine($"error: app {app} {(status.Stopped ? "was stopped" : "finished")} with {status.ShortRounds} of {status.Round} rounds that did not merge exactly the updates they selected");
                            return ExitCodes.Shortfall;
                        }

                        return ExitCodes.Ok;
                    }
                }

                Thread.Sleep(500);
            }

            Console.Error.WriteLine($"error: app {app} did not finish within {seconds} s (last: {last})");
            return ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>How long an app may be unknown at its master while a submit is still spreading.</summary>
    private static readonly TimeSpan UnknownGrace = TimeSpan.FromSeconds(10);

    private static string Accuracy(AppStatus status) => double.IsNaN(status.Accuracy) ? "-" : status.Accuracy.ToString("F4", CultureInfo.InvariantCulture);

    private static string Describe(string app, AppStatus status)
    {
        if (!status.Known)
            return $"{app}: not known at its master yet";
        if (status.Error is not null)
            return $"{app}: {status.Error}";
        if (!status.Started)
            return $"{app}: waiting for workers ({status.Enrolled}/{status.Wanted} shards taken)";
        string shortfall = status.ShortRounds > 0 ? $" short rounds {status.ShortRounds}" : "";
        string rejected = status.Rejected > 0 ? $" rejected {status.Rejected}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{app}: round {status.Round}/{status.Rounds} accuracy {Accuracy(status)} participants {status.Participants} updates {status.Contributions}{shortfall}{rejected} workers {status.Enrolled} at {status.Seconds:F1} s{(status.Stopped ? " stopped" : status.Finished ? " finished" : "")}");
    }

    /// <summary>A control client, signing with the operator identity if one was given.</summary>
    private static ControlClient Client(ParseResult parsed)
        => new(signer: parsed.GetValue(Operator) is { } dir ? Totoro.Net.Security.Signer.Load(dir.FullName) : null);

    /// <summary>One request; an unreachable node or an error answer ends the command with a one-line error.</summary>
    private static ControlResponse Ask(ParseResult parsed, IPEndPoint endpoint, ControlRequest request, TimeSpan timeout)
    {
        using ControlClient client = Client(parsed);
        ControlResponse response = client.Ask(endpoint, request, timeout)
            ?? throw new NodeUnreachableException($"no answer from {endpoint} within {timeout.TotalSeconds:F0} s: is `totoro node` running there?");
        if (!response.Ok)
            throw new NodeUnreachableException($"{endpoint} refused: {response.Error}");
        return response;
    }
}

/// <summary>A node did not answer, or refused: printed as one line, exit code 1.</summary>
internal sealed class NodeUnreachableException(string message) : IOException(message);
