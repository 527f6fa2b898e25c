namespace Totoro.Core.Learning;

/// <summary>The generated data and which samples belong to which client.</summary>
public sealed record FederatedData(Dataset Data, int[][] ClientIndices);
