using System.Reflection;

namespace Totoro.Core.Learning;

/// <summary>
/// The models this process can build, by name: the built-in logreg and mlp, and whatever factories were registered or
/// found in a loaded assembly (Totoro.Torch's networks, a user's own). Like the process's loaded code, it is shared
/// by every node of the process; it holds no node's state.
/// </summary>
public static class ModelCatalog
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, IModelFactory> Factories = new(StringComparer.Ordinal)
    {
        ["logreg"] = new BuiltInFactory("logreg", "multinomial logistic regression", r => new LogisticRegressionModel(r.Dimensions, r.Classes)),
        ["mlp"] = new BuiltInFactory("mlp", "one hidden ReLU layer (--hidden-units)", r => new MlpModel(r.Dimensions, r.Spec.HiddenUnits, r.Classes)),
    };

    private static readonly Dictionary<string, Assembly> Loaded = new(StringComparer.Ordinal);

    /// <summary>Every model name known here, sorted.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (Gate)
                return [.. Factories.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Every factory known here, sorted by name.</summary>
    public static IReadOnlyList<IModelFactory> All
    {
        get
        {
            lock (Gate)
                return [.. Factories.Values.OrderBy(f => f.Name, StringComparer.Ordinal)];
        }
    }

    public static bool Contains(string name)
    {
        lock (Gate)
            return Factories.ContainsKey(name);
    }

    /// <summary>Adds a factory; a second factory of the same name from another type is refused (names must be unambiguous).</summary>
    public static void Register(IModelFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (string.IsNullOrWhiteSpace(factory.Name) || factory.Name.Any(char.IsWhiteSpace))
            throw new ArgumentException($"a model factory needs a name without spaces (got '{factory.Name}')", nameof(factory));
        lock (Gate)
        {
            if (Factories.TryGetValue(factory.Name, out IModelFactory? known) && known.GetType() != factory.GetType())
                throw new ArgumentException($"model '{factory.Name}' is already defined by {known.GetType().FullName}");
            Factories[factory.Name] = factory;
        }
    }

    /// <summary>Registers every public, concrete <see cref="IModelFactory"/> with a parameterless constructor in <paramref name="assembly"/>; returns their names.</summary>
    public static IReadOnlyList<string> RegisterAll(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var names = new List<string>();
        foreach (Type type in assembly.GetExportedTypes())
        {
            if (type.IsAbstract || !typeof(IModelFactory).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
                continue;
            var factory = (IModelFactory)Activator.CreateInstance(type)!;
            Register(factory);
            names.Add(factory.Name);
        }

        return names;
    }

    /// <summary>
    /// Loads a model assembly from <paramref name="path"/> (with its own dependencies beside it; Totoro.Core is
    /// shared with the engine) and registers its factories. Loading the same file twice is a no-op. Throws
    /// <see cref="ArgumentException"/> with a one-line reason for a missing file, a file that is not an assembly, or
    /// an assembly without factories.
    /// </summary>
    public static IReadOnlyList<string> LoadAssembly(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        lock (Gate)
        {
            if (Loaded.ContainsKey(full))
                return [];
        }

        if (!File.Exists(full))
            throw new ArgumentException($"model assembly {path} does not exist");
        Assembly assembly;
        try
        {
            assembly = new ModelAssemblyContext(full).LoadFromAssemblyPath(full);
        }
        catch (BadImageFormatException)
        {
            throw new ArgumentException($"model assembly {path} is not a .NET assembly");
        }

        IReadOnlyList<string> names;
        try
        {
            names = RegisterAll(assembly);
        }
        catch (ReflectionTypeLoadException ex)
        {
            throw new ArgumentException($"model assembly {path} could not be loaded: {ex.LoaderExceptions.FirstOrDefault()?.Message}");
        }

        if (names.Count == 0)
            throw new ArgumentException($"model assembly {path} has no public IModelFactory with a parameterless constructor");
        lock (Gate)
            Loaded[full] = assembly;
        return names;
    }

    /// <summary>The app's model for data of <paramref name="dimensions"/> features and <paramref name="classes"/> classes.</summary>
    public static IModel Create(AppSpec spec, int dimensions, int classes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.ModelAssembly is { } path)
            LoadAssembly(path);
        IModelFactory? factory;
        lock (Gate)
            Factories.TryGetValue(spec.Model, out factory);
        if (factory is null)
            throw new ArgumentException($"model '{spec.Model}' is not known here (known: {string.Join(", ", Names)}); load its assembly with --model-assembly");
        return factory.Create(new ModelRequest(dimensions, classes, spec));
    }

    private sealed class BuiltInFactory(string name, string description, Func<ModelRequest, IModel> create) : IModelFactory
    {
        public string Name => name;

        public string Description => description;

        public IModel Create(ModelRequest request) => create(request);
    }
}
