namespace Totoro.Cli.Tests;

/// <summary>
/// Tests that build network namespaces run one after another: each puts a bridge and many hosts on this machine, and
/// two at once would compete for its two cores (and, before names were made unique per bridge, for the same names).
/// </summary>
[CollectionDefinition(Name)]
public sealed class NamespaceCollection
{
    public const string Name = "Network namespaces";
}
