namespace Totoro.Cli.Experiments;

/// <summary>Every experiment kind in this assembly, found by reflection: adding a kind is adding one class.</summary>
internal static class ExperimentKinds
{
    public static IReadOnlyList<IExperimentKind> All { get; } = typeof(IExperimentKind).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IExperimentKind).IsAssignableFrom(t))
        .Select(t => (IExperimentKind)Activator.CreateInstance(t)!)
        .OrderBy(k => k.Name, StringComparer.Ordinal)
        .ToList();

    public static IExperimentKind? Find(string name) => All.FirstOrDefault(k => k.Name == name);
}
