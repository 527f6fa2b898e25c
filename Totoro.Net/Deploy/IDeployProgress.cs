namespace Totoro.Net.Deploy;

/// <summary>
/// What a deploy command tells its user as it goes: each phase over its hosts, each host done or failed (by name,
/// with the reason), and notes. Called from parallel workers: implementations synchronise themselves.
/// </summary>
public interface IDeployProgress
{
    /// <summary>A phase over <paramref name="hosts"/> hosts begins (upload, start, join, status, down, collect).</summary>
    void Phase(string name, int hosts);

    void Done(string host, string detail);

    void Failed(string host, string error);

    void Note(string line);
}
