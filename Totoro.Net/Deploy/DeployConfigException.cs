namespace Totoro.Net.Deploy;

/// <summary>Bad deploy input (hosts file, key, state file): one line naming the problem and the fix; exit code 2.</summary>
public sealed class DeployConfigException(string message) : Exception(message);
