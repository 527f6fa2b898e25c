namespace Totoro.Core.Planning;

/// <summary>A player of the game: a transfer of <paramref name="Bytes"/> per round from source to destination.</summary>
public sealed record PlanFlow(int Source, int Destination, double Bytes);
