namespace Totoro.Net.Deploy;

/// <summary>One host's line in a deploy command's result: what happened there, or the error that stopped it.</summary>
public sealed record HostReport(string Name, string Target, bool Ok, string Detail);
