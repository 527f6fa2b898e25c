namespace Totoro.Sim.Scenarios;

/// <summary>Messages of one kind sent over a measuring window, all nodes together, and their bytes (link overhead included).</summary>
public sealed record KindTraffic(string Kind, long Messages, long Bytes);
