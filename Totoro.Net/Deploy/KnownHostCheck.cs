namespace Totoro.Net.Deploy;

public enum KnownHostVerdict
{
    /// <summary>An entry for this host holds this very key.</summary>
    Known,

    /// <summary>No entry names this host.</summary>
    Unknown,

    /// <summary>An entry for this host holds another key of the same type.</summary>
    Changed,

    /// <summary>Entries for this host hold keys of other types only.</summary>
    OtherType,

    /// <summary>The key is marked @revoked.</summary>
    Revoked,
}

/// <summary>A verdict and the line it rests on (0 for none); for Changed/OtherType, the type the file holds.</summary>
public sealed record KnownHostCheck(KnownHostVerdict Verdict, int Line, string? StoredType = null);
