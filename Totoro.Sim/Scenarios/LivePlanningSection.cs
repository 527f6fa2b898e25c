namespace Totoro.Sim.Scenarios;

/// <summary>
/// The `planning` section of a training run on the forest: the planner routed the trees' own flows (models down,
/// updates up) and this scores them against the TRUE link parameters when the run ends.
/// <list type="bullet">
/// <item><c>Flows</c>: live tree flows at the end (two per tree edge); <c>RelayedFlows</c> of them through a relay.</item>
/// <item><c>Moves</c>: ε-best-response moves made (<c>RouteMoves</c> of a flow's route, <c>ParentMoves</c> of a child's
/// parent, counted when the new parent took the child); <c>MoveRefusals</c>: parent moves the new parent turned away,
/// its price eaten by the movers it took in since the child's probe (docs/planning.md I.3); <c>LoadNotices</c>: notices
/// nodes sent the children of other parents that probed them when their load fell (a parent decision due early, I.3).</item>
/// <item><c>MovesLoweringPotential</c>: moves at which the mover's true cost (hence the weighted potential) fell.</item>
/// <item><c>NashGap</c>: the largest (cost − best alternative) / cost of any player (a flow's route, a child's
/// parent), by brute force over its strategies with the others fixed; <c>MeanNashGap</c> its mean;
/// <c>PlayersAboveEpsilon</c> how many could gain more than ε; <c>NashGapP90</c> and <c>NashGapP99</c> its quantiles (a
/// few outliers or many players); the same for the parent players alone (<c>ParentPlayers</c> of the players: the
/// route players, one per flow, mostly have no gain at all and would hide the parents' in a mean over all).</item>
/// <item><c>ParentPlayersSeeingGain</c>: of the parent players above ε, those whose own planner, on its node's
/// estimates now, also sees a gain it moves for (above its threshold, ε less a tenth): they have not moved yet
/// (inertia); the others are above ε because their node's estimates differ from the truth.</item>
/// <item>A parent player's cost counts a sibling's extra level × (1 + 0.3 per child of its own), as its planner prices it
/// (docs/planning.md I.3, I.4); <c>ParentPlayersAboveEpsilonLevelOnce</c> and <c>ParentNashGapLevelOnce</c> score the parent
/// players with that level counted once, the mover's own alone (the game the oracle scored before session 19).</item>
/// <item><c>AllLive…</c>: every app's players scored together as the first app's last round begins, on one profile with
/// every app's flows (0 players: no app got there). The figures above score each app as it ends, against a landscape
/// the apps that ended before it keep moving (a node an app freed a second before looks idle to players that cannot
/// move any more); this one is the game where only the players moved.</item>
/// <item><c>GapCurve</c>: every app's players scored the same way every 10 rounds of the slowest app while no app has
/// ended, the all-live scoring last; <c>RoundsToEpsilon</c> and <c>SecondsToEpsilon</c>: the slowest app's rounds and
/// the seconds of training at the first of those scorings from which none has a parent player above ε (-1: the last
/// still has one).</item>
/// <item><c>MeanRoundSeconds</c>: the learning section's mean round time (per app, over all apps).</item>
/// </list>
/// </summary>
public sealed record LivePlanningSection(
    string Planner,
    double Epsilon,
    string Setting,
    int Players,
    int Flows,
    int RelayedFlows,
    int Moves,
    int RouteMoves,
    int ParentMoves,
    int MovesLoweringPotential,
    long Acks,
    long LostTransfers,
    double MeanRoundSeconds,
    double NashGap,
    double MeanNashGap,
    int PlayersAboveEpsilon,
    double NashGapP90,
    double NashGapP99,
    int ParentPlayers,
    double ParentMeanNashGap,
    int ParentPlayersAboveEpsilon,
    double Potential,
    IReadOnlyList<double> RoundSeconds,
    int ParentPlayersSeeingGain,
    long MoveRefusals = 0,
    long LoadNotices = 0,
    int ParentPlayersAboveEpsilonLevelOnce = 0,
    double ParentNashGapLevelOnce = 0,
    int AllLiveParentPlayers = 0,
    int AllLiveParentPlayersAboveEpsilon = 0,
    double AllLiveNashGap = 0,
    double AllLiveNashGapP99 = 0,
    int AllLiveParentPlayersSeeingGain = 0,
    int AllLiveParentPlayersAboveEpsilonLevelOnce = 0,
    int RoundsToEpsilon = -1,
    double SecondsToEpsilon = -1,
    IReadOnlyList<GapPoint>? GapCurve = null);

/// <summary>
/// One scoring of every app's players together: the slowest app's completed rounds, seconds into training, parent
/// players above ε, the largest gap of any player, and how many of those above ε see their gain.
/// </summary>
public sealed record GapPoint(int Round, double Seconds, int ParentPlayersAboveEpsilon, double NashGap, int SeeingGain);
