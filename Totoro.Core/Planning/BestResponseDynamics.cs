namespace Totoro.Core.Planning;

/// <summary>
/// Distributed ε-best response: players take turns (round robin); a player moves to its best path only when
/// that cuts its cost by more than ε relatively. With equal bytes each move lowers the Rosenthal potential by
/// more than ε·c_min, so the dynamics stop after at most Φ0 / (ε·c_min) moves at an ε-approximate NE.
/// </summary>
public static class BestResponseDynamics
{
    /// <summary>Runs to quiescence (or <paramref name="maxMoves"/>), updating the profile in place; returns the moves.</summary>
    public static int Run(CongestionGame game, int[] profile, double epsilon, int maxMoves = 100_000, Action<int[]>? onMove = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epsilon);
        double[] loads = game.Loads(profile);
        int moves = 0;
        bool moved = true;
        while (moved && moves < maxMoves)
        {
            moved = false;
            for (int i = 0; i < profile.Length && moves < maxMoves; i++)
            {
                double cost = game.Cost(i, profile, loads);
                (int best, double bestCost) = game.BestResponse(i, profile, loads);
                if (cost - bestCost <= epsilon * cost)
                    continue;
                double bytes = game.Flows[i].Bytes;
                foreach (int link in game.Strategies[i][profile[i]].Links)
                    loads[link] -= bytes;
                foreach (int link in game.Strategies[i][best].Links)
                    loads[link] += bytes;
                profile[i] = best;
                moves++;
                moved = true;
                onMove?.Invoke(profile);
            }
        }

        return moves;
    }
}
