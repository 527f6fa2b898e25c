namespace Totoro.Core.Learning;

/// <summary>
/// Builds a model by name for an app's data. Implement it (public, with a parameterless constructor) in your own
/// assembly and load that assembly with <see cref="ModelCatalog.LoadAssembly"/> (`--model-assembly PATH` on the
/// command line): every factory in it joins the catalog under its <see cref="Name"/>.
/// </summary>
public interface IModelFactory
{
    /// <summary>What an app spec's `model` names (lower case, no spaces).</summary>
    string Name { get; }

    /// <summary>One line for `totoro models` and error messages.</summary>
    string Description { get; }

    /// <summary>A model for <paramref name="request"/>'s data, or <see cref="ArgumentException"/> with a one-line reason.</summary>
    IModel Create(ModelRequest request);
}
