namespace Totoro.Net.Deploy;

/// <summary>One host could not be reached or did not do what was asked; the message names the host and the fix.</summary>
public sealed class DeployHostException(string message, Exception? inner = null) : Exception(message, inner);
