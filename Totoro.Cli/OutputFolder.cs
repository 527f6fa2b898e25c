namespace Totoro.Cli;

/// <summary>
/// An output folder made ready before a run starts: created, and shown to take a file, so a long run never ends by
/// failing to write its results (or with the runtime's "Could not find file" for a folder it could not make).
/// </summary>
internal static class OutputFolder
{
    /// <summary>Creates <paramref name="path"/> and writes and deletes a probe file in it; a failure is one usage line.</summary>
    public static DirectoryInfo Prepare(string option, string path)
    {
        var folder = new DirectoryInfo(path);
        if (File.Exists(folder.FullName))
            throw new UsageException($"{option} {path}: a file of that name is in the way; name a folder");
        try
        {
            folder.Create();
            string probe = Path.Combine(folder.FullName, $".totoro-write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {path}: cannot write there: {ex.Message}");
        }

        folder.Refresh();
        return folder;
    }
}
