namespace Totoro.Core.Learning;


/// <summary>
/// LEAF's synthetic(α, β) (Shamir/Li et al.): client k has its own softmax model W_k, b_k ~ N(u_k, 1) with
/// u_k ~ N(0, α), and its own feature distribution x ~ N(v_k, Σ) with v_k ~ N(B_k, 1), B_k ~ N(0, β) and
/// Σ diagonal, Σ_jj = j^(−1.2); labels are argmax(softmax(W_k·x + b_k)). α controls how much the clients' models
/// differ, β how much their features do. Generated in process from a seed.
/// </summary>
public static class SyntheticLeaf
{
    public const int DefaultDimensions = 60;

    public const int DefaultClasses = 10;

    public static FederatedData Generate(double alpha, double beta, int clients, int samplesPerClient, int seed, int dimensions = DefaultDimensions, int classes = DefaultClasses)
    {
        if (!(alpha >= 0) || !(beta >= 0))
            throw new ArgumentOutOfRangeException(nameof(alpha), "α and β must be non-negative.");
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerClient, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        var random = new Random(seed);
        var sigma = new double[dimensions];
        for (int j = 0; j < dimensions; j++)
            sigma[j] = Math.Sqrt(Math.Pow(j + 1, -1.2)); // standard deviation: Σ holds variances

        int total = clients * samplesPerClient;
        var features = new float[(long)total * dimensions];
        var labels = new int[total];
        var parts = new int[clients][];
        var w = new double[classes * dimensions];
        var b = new double[classes];
        var v = new double[dimensions];
        var x = new double[dimensions];
        var z = new float[classes];
        double alphaSd = Math.Sqrt(alpha);
        double betaSd = Math.Sqrt(beta);
        for (int k = 0; k < clients; k++)
        {
            double u = Sampling.Normal(random, 0, alphaSd);
            double bigB = Sampling.Normal(random, 0, betaSd);
            for (int i = 0; i < w.Length; i++)
                w[i] = Sampling.Normal(random, u, 1);
            for (int c = 0; c < classes; c++)
                b[c] = Sampling.Normal(random, u, 1);
            for (int j = 0; j < dimensions; j++)
                v[j] = Sampling.Normal(random, bigB, 1);

            parts[k] = new int[samplesPerClient];
            for (int s = 0; s < samplesPerClient; s++)
            {
                int index = (k * samplesPerClient) + s;
                parts[k][s] = index;
                for (int j = 0; j < dimensions; j++)
                {
                    x[j] = Sampling.Normal(random, v[j], sigma[j]);
                    features[((long)index * dimensions) + j] = (float)x[j];
                }

                for (int c = 0; c < classes; c++)
                {
                    double sum = b[c];
                    for (int j = 0; j < dimensions; j++)
                        sum += w[(c * dimensions) + j] * x[j];
                    z[c] = (float)sum;
                }

                labels[index] = Softmax.ArgMax(z); // argmax of softmax = argmax of the logits
            }
        }

        return new FederatedData(new Dataset(features, labels, dimensions, classes), parts);
    }
}
