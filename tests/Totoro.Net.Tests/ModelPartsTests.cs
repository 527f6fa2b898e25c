using Totoro.Net.Control;

namespace Totoro.Net.Tests;

/// <summary>A model too big for one control frame is cut into parts that put back together give it float for float.</summary>
public class ModelPartsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(ModelParts.PartFloats)]
    [InlineData(ModelParts.PartFloats + 1)]
    [InlineData((3 * ModelParts.PartFloats) - 7)]
    public void The_parts_of_a_model_put_back_in_order_are_the_model(int length)
    {
        float[] model = Enumerable.Range(0, length).Select(i => MathF.Sin(i) * 100).ToArray();
        var status = new AppStatus("app", "00000000000000000000000000000001", true) { Round = 7 };
        int count = ModelParts.CountOf(length);
        Assert.Equal((length + ModelParts.PartFloats - 1) / ModelParts.PartFloats, count);

        var joined = new List<float>();
        for (int part = 0; part < count; part++)
        {
            AppStatus p = ModelParts.Part(status, model, part);
            Assert.Equal((part, count, length, 7), (p.ModelPart, p.ModelPartCount, p.ModelLength, p.Round));
            Assert.True(p.Model!.Length <= ModelParts.PartFloats);
            joined.AddRange(p.Model);
        }

        Assert.Equal(model, joined);
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelParts.Part(status, model, count));
    }
}
