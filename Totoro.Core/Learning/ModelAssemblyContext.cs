using System.Reflection;
using System.Runtime.Loader;

namespace Totoro.Core.Learning;

/// <summary>
/// Where a user's model assembly is loaded: its own dependencies (managed and native) resolve from its build folder
/// through its .deps.json, while assemblies the engine already has (Totoro.Core above all, so that IModel is one type)
/// come from the engine. The .NET plugin pattern, on the runtime's own resolver.
/// </summary>
internal sealed class ModelAssemblyContext(string path) : AssemblyLoadContext($"model:{Path.GetFileName(path)}")
{
    private readonly AssemblyDependencyResolver _resolver = new(path);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsEngineAssembly(assemblyName))
            return null; // fall back to the engine's copy
        string? resolved = _resolver.ResolveAssemblyToPath(assemblyName);
        return resolved is null ? null : LoadFromAssemblyPath(resolved);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string? resolved = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return resolved is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(resolved);
    }

    private static bool IsEngineAssembly(AssemblyName name)
        => Default.Assemblies.Any(a => string.Equals(a.GetName().Name, name.Name, StringComparison.Ordinal))
            || EngineFiles.Contains(name.Name ?? "");

    /// <summary>The simple names of the assemblies the engine was built with (loaded or not yet).</summary>
    private static readonly HashSet<string> EngineFiles = new(
        ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>(),
        StringComparer.Ordinal);
}
