using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests;

/// <summary>The oracle of a forest round's merge: every subscriber's weighted contribution summed flat, with no tree.</summary>
internal static class FlatSum
{
    public static (float[] Sum, double Weight) Of(ForestScenario.AppRun app, int length)
    {
        var flat = new double[length];
        double weights = 0;
        foreach (int s in app.Subscribers)
        {
            for (int i = 0; i < length; i++)
            {
                (double w, int x) = ForestScenario.Contribution(s, i);
                flat[i] += w * x;
            }

            weights += ForestScenario.Contribution(s, 0).Weight;
        }

        return ([.. flat.Select(v => (float)v)], weights);
    }
}
