namespace Totoro.Core.Learning;

/// <summary>
/// One completed round as the master saw it: when it ended (seconds of world time), how long it took, how many
/// workers were asked and how many updates were merged, and the test accuracy and loss after it (NaN when the
/// round was not evaluated).
/// </summary>
public sealed record RoundRecord(int Round, double EndSeconds, double RoundSeconds, int Participants, long Contributions, double Accuracy, double Loss);
