namespace Totoro.Net.Control;

/// <summary>Where a traced lookup ended: the key, the delivering node's id (hex) and the overlay hops taken.</summary>
public sealed record LookupResult(string Key, string Node, int Hops);
