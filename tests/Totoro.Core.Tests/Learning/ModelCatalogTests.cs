using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

public class ModelCatalogTests
{
    /// <summary>samples/PrototypeModel's build, in this test's configuration (the test project builds it first).</summary>
    private static string SamplePath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Totoro.sln")))
            dir = dir.Parent;
        Assert.NotNull(dir);
        string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<configuration>/net10.0
        return Path.Combine(dir.FullName, "samples", "PrototypeModel", "bin", configuration, "net10.0", "PrototypeModel.dll");
    }

    [Fact]
    public void A_users_assembly_loaded_by_path_adds_its_model_and_the_model_trains()
    {
        IReadOnlyList<string> names = ModelCatalog.LoadAssembly(SamplePath());
        Assert.True(names.Count == 0 || names.SequenceEqual(["prototype"]), string.Join(",", names)); // empty if another test loaded it
        Assert.Contains("prototype", ModelCatalog.Names);

        // Two separable classes: the prototypes must move to the class means and classify them.
        var random = new Random(3);
        var features = new float[200 * 4];
        var labels = new int[200];
        for (int i = 0; i < 200; i++)
        {
            labels[i] = i % 2;
            for (int d = 0; d < 4; d++)
                features[(i * 4) + d] = (float)((labels[i] == 0 ? -1 : 1) + (random.NextDouble() - 0.5));
        }

        var data = new Dataset(features, labels, 4, 2);
        IModel model = ModelCatalog.Create(new AppSpec { Model = "prototype", ModelAssembly = SamplePath() }, 4, 2);
        Assert.Equal("PrototypeModel.PrototypeClassifier", model.GetType().FullName);
        var w = new float[model.ParameterCount];
        model.Initialize(w, 1);
        double before = model.LossAndGradient(w, data, data.AllIndices(), Span<float>.Empty);
        LocalTrainer.Train(model, w, data, data.AllIndices(), new LocalTrainingOptions(5, 10, 0.1f), new Random(2));
        double after = model.LossAndGradient(w, data, data.AllIndices(), Span<float>.Empty);
        Assert.True(after < before / 2, $"loss {before} → {after}");
        Assert.True(model.Accuracy(w, data) > 0.95, $"accuracy {model.Accuracy(w, data)}");
        Assert.True(w[0] < -0.5 && w[4] > 0.5, "the prototypes move to the class means (−1 and +1)");
        Assert.Empty(new AppSpec { Model = "prototype" }.Validate());
    }

    [Fact]
    public void Loading_a_missing_file_or_a_non_assembly_or_one_without_factories_fails_in_one_line()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-{Environment.ProcessId}.dll");
        Assert.Contains("does not exist", OneLine(() => ModelCatalog.LoadAssembly(missing)));

        string text = Path.Combine(Path.GetTempPath(), $"not-an-assembly-{Environment.ProcessId}.dll");
        File.WriteAllText(text, "hello");
        try
        {
            Assert.Contains("is not a .NET assembly", OneLine(() => ModelCatalog.LoadAssembly(text)));
        }
        finally
        {
            File.Delete(text);
        }

        string xunit = typeof(FactAttribute).Assembly.Location;
        Assert.Contains("has no public IModelFactory", OneLine(() => ModelCatalog.LoadAssembly(xunit)));
        Assert.Contains("not known here", OneLine(() => ModelCatalog.Create(new AppSpec { Model = "no-such-model", ModelAssembly = null }, 4, 2)));
        Assert.Contains("--model must be one of", string.Join(";", new AppSpec { Model = "no-such-model" }.Validate()));
    }

    private static string OneLine(Action action)
    {
        var error = Assert.Throws<ArgumentException>(action);
        Assert.DoesNotContain('\n', error.Message);
        return error.Message;
    }
}
