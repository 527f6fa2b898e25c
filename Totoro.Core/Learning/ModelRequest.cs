namespace Totoro.Core.Learning;

/// <summary>What a factory knows when it builds an app's model: the data's width and classes, and the app's spec.</summary>
public sealed record ModelRequest(int Dimensions, int Classes, AppSpec Spec);
