namespace Totoro.Net.Deploy;

/// <summary>One row of `deploy status`: the process (alive over SSH, null when SSH failed) and its nodes joined.</summary>
public sealed record HostStatus(string Name, string Target, string Listen, int Pid, bool? Alive, int? Joined, int Nodes, bool Stopped, string? Error)
{
    public bool Healthy => Alive == true && Joined == Nodes;
}
