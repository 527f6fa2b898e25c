using Totoro.Core.Learning;

namespace Totoro.Testing;

/// <summary>
/// A test that needs a system component this machine lacks is reported as skipped, with the reason, never as passed.
/// Under CI=true it fails instead: CI installs every component (.ci/run), so a missing one there is a broken setup.
/// Only tests marked [SkippableFact] or [SkippableTheory] turn the skip into a "skipped" result.
/// </summary>
internal static class Needs
{
    /// <param name="missing">What is missing and how to install it, or null when the component is here.</param>
    public static void Component(string? missing)
    {
        bool ci = Environment.GetEnvironmentVariable("CI") == "true";
        Assert.False(ci && missing is not null, $"CI must provide every component a test needs: {missing}");
        Skip.If(missing is not null, missing);
    }

    /// <summary>Fashion-MNIST's IDX files, from Debian's package.</summary>
    public static void FashionMnist() => Component(Directory.Exists(IdxReader.DefaultFolder)
        ? null
        : $"{IdxReader.DefaultFolder} is missing (apt-get install {IdxReader.DebianPackage})");
}
