namespace Totoro.Core.Learning;

/// <summary>Accuracy and mean cross-entropy of one parameter vector on a test set.</summary>
public readonly record struct EvaluationResult(double Accuracy, double Loss, int Samples);
