namespace Totoro.Net.Deploy;

/// <summary>POSIX shell quoting for paths and arguments put into remote commands.</summary>
internal static class ShellQuote
{
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>A remote path: relative paths stay relative to the login directory (the user's home).</summary>
    public static string Path(string remoteDir, string name) => remoteDir.EndsWith('/') ? remoteDir + name : remoteDir + "/" + name;
}
