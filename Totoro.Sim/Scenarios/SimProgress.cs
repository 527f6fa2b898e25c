namespace Totoro.Sim.Scenarios;

/// <summary>A progress report from a running scenario: which phase, and how far through it.</summary>
public readonly record struct SimProgress(string Phase, long Done, long Total);
