using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

public class LocalTrainerTests
{
    [Theory]
    [InlineData("logreg")]
    [InlineData("mlp")]
    public void Training_reduces_loss_and_separates_clusters(string name)
    {
        Dataset data = LearningTestData.SeparableClusters(300, 8, 4, seed: 21);
        IModel model = name == "logreg" ? new LogisticRegressionModel(8, 4) : new MlpModel(8, 16, 4);
        var parameters = new float[model.ParameterCount];
        model.Initialize(parameters, seed: 4);
        EvaluationResult before = Evaluation.Evaluate(model, parameters, data);

        LocalTrainer.Train(model, parameters, data, data.AllIndices(), new LocalTrainingOptions(Epochs: 5, BatchSize: 10, LearningRate: 0.1f), new Random(9));
        EvaluationResult after = Evaluation.Evaluate(model, parameters, data);

        Assert.True(after.Loss < before.Loss / 4, $"loss {before.Loss} → {after.Loss}");
        Assert.True(after.Accuracy >= 0.98, $"accuracy {after.Accuracy}");
    }

    [Fact]
    public void Same_seed_gives_the_same_model()
    {
        Dataset data = LearningTestData.SeparableClusters(50, 4, 3, seed: 2);
        var model = new MlpModel(4, 5, 3);
        float[] Run()
        {
            var p = new float[model.ParameterCount];
            model.Initialize(p, seed: 3);
            LocalTrainer.Train(model, p, data, data.AllIndices(), new LocalTrainingOptions(2, 7, 0.05f), new Random(8));
            return p;
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Proximal_term_keeps_the_model_closer_to_the_global_one()
    {
        Dataset data = LearningTestData.SeparableClusters(120, 6, 3, seed: 12);
        var model = new LogisticRegressionModel(6, 3);
        var global = new float[model.ParameterCount];
        model.Initialize(global, seed: 5);
        double Distance(float mu)
        {
            var p = (float[])global.Clone();
            LocalTrainer.Train(model, p, data, data.AllIndices(), new LocalTrainingOptions(5, 8, 0.1f, mu), new Random(1), global);
            return p.Zip(global, (a, b) => (double)(a - b) * (a - b)).Sum();
        }

        Assert.True(Distance(1f) < Distance(0) * 0.8);
    }

    [Fact]
    public void One_full_batch_step_is_exactly_w_minus_lr_times_gradient()
    {
        Dataset data = LearningTestData.SeparableClusters(10, 3, 2, seed: 6);
        var model = new LogisticRegressionModel(3, 2);
        var start = new float[model.ParameterCount];
        model.Initialize(start, seed: 2);
        var gradient = new float[model.ParameterCount];
        model.LossAndGradient(start, data, data.AllIndices(), gradient);

        var trained = (float[])start.Clone();
        LocalTrainer.Train(model, trained, data, data.AllIndices(), new LocalTrainingOptions(1, data.Count, 0.5f), new Random(0));
        for (int i = 0; i < start.Length; i++)
            Assert.Equal(start[i] - (0.5f * gradient[i]), trained[i], 5);
    }
}
