using System.CommandLine;
using System.Globalization;
using Totoro.Core.Learning;

namespace Totoro.Cli;

/// <summary>`totoro models`: the models this command can train, with their size and cost on a given input.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var assembly = new Option<FileInfo?>("--model-assembly") { Description = "Also list the models of this assembly (your own IModelFactory)" };
        var dimensions = new Option<int>("--dimensions") { Description = "Features per sample (784: a 28x28 image, as Fashion-MNIST; 3072: 3x32x32)", DefaultValueFactory = _ => 784 };
        var classes = new Option<int>("--classes") { Description = "Classes", DefaultValueFactory = _ => 10 };
        var command = new Command("models", "List the models an app can name (--model): parameters, bytes on a link and forward FLOPs per sample") { assembly, dimensions, classes };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(assembly) is { } file)
                AppSpecOptions.LoadModelAssembly(file.FullName);
            int d = parsed.GetValue(dimensions);
            int c = parsed.GetValue(classes);
            if (d < 1 || c < 2)
                throw new UsageException($"--dimensions must be at least 1 and --classes at least 2 (got {d} and {c})");
            CultureInfo inv = CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Create(inv, $"{"model",-15} {"parameters",12} {"MB",8} {"MFLOP/sample",13}  description ({d} features, {c} classes)"));
            foreach (IModelFactory factory in ModelCatalog.All)
            {
                string size;
                try
                {
                    IModel model = factory.Create(new ModelRequest(d, c, new AppSpec { Model = factory.Name }));
                    size = string.Create(inv, $"{model.ParameterCount,12:N0} {model.ParameterCount * 4 / 1e6,8:F2} {model.ForwardFlops / 1e6,13:F2}");
                }
                catch (ArgumentException ex)
                {
                    size = $"{"-",12} {"-",8} {"-",13}  ({ex.Message})";
                }

                Console.Out.WriteLine($"{factory.Name,-15} {size}  {factory.Description}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
