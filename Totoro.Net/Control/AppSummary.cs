namespace Totoro.Net.Control;

/// <summary>An app a host has discovered on the advertise–discover tree.</summary>
public sealed record AppSummary(string Name, string AppId, string Model, string Dataset, int Workers, int Rounds, int ClientsPerRound, string Rule);
