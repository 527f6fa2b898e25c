namespace Totoro.Sim.Churn;

/// <summary>One line of a churn trace: at <paramref name="TimeSeconds"/> after churn starts, trace node <paramref name="Node"/> joins, leaves or fails.</summary>
public readonly record struct ChurnEvent(double TimeSeconds, int Node, ChurnEventKind Kind);
