using System.Net;
using Totoro.Core.Forest;

namespace Totoro.Net.Control;

/// <summary>
/// A model answered over the control channel in parts of one chunk's floats (<see cref="ModelChunks.ChunkBytes"/>):
/// as JSON a float takes about 10 bytes, so an 85 MB model whole was a frame of about 230 MB, more than one reliable
/// frame can carry (65,535 fragments); a part is about 0.7 MB. The host keeps the whole answer while the client asks
/// for the rest (<see cref="ControlRequest.Part"/>).
/// </summary>
public static class ModelParts
{
    public const int PartFloats = ModelChunks.ChunkBytes / sizeof(float);

    public static int CountOf(int length) => Math.Max(1, (length + PartFloats - 1) / PartFloats);

    /// <summary>Part <paramref name="part"/> of <paramref name="model"/>, as the status that carries it.</summary>
    public static AppStatus Part(AppStatus whole, float[] model, int part)
    {
        int count = CountOf(model.Length);
        if (part < 0 || part >= count)
            throw new ArgumentOutOfRangeException(nameof(part), $"part {part} of a model of {count} parts");
        int offset = part * PartFloats;
        return whole with { Model = model.AsSpan(offset, Math.Min(PartFloats, model.Length - offset)).ToArray(), ModelPart = part, ModelPartCount = count, ModelLength = model.Length };
    }

    /// <summary>
    /// Asks <paramref name="endpoint"/> for an app's model (<paramref name="first"/>: a model request, or a status with
    /// the model) and then for its remaining parts; the status with the whole model, or null with a one-line reason.
    /// </summary>
    public static AppStatus? Fetch(ControlClient client, IPEndPoint endpoint, ControlRequest first, TimeSpan timeout, out string? error)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(first);
        ControlResponse? response = client.Ask(endpoint, first with { Part = 0 }, timeout);
        if (Refusal(response, endpoint, timeout, 0, out error) is not { } head)
            return null;
        if (head.Model is null || head.ModelPartCount <= 1)
            return head;
        if (head.ModelPartCount != CountOf(head.ModelLength) || head.Model.Length != Math.Min(PartFloats, head.ModelLength))
        {
            error = $"{endpoint} answered part 0 of {head.ModelPartCount} with {head.Model.Length} of {head.ModelLength} parameters: not how a model is cut";
            return null;
        }

        var model = new float[head.ModelLength];
        head.Model.CopyTo(model, 0);
        for (int part = 1; part < head.ModelPartCount; part++)
        {
            response = client.Ask(endpoint, new ControlRequest(0, "model") { AppId = head.AppId, Part = part }, timeout);
            if (Refusal(response, endpoint, timeout, part, out error) is not { } next)
                return null;
            int offset = part * PartFloats;
            if (next.Model is null || next.ModelPart != part || next.ModelLength != head.ModelLength || next.Round != head.Round || next.Model.Length != Math.Min(PartFloats, model.Length - offset))
            {
                error = $"{endpoint} answered part {part} of the model with another part, round or size (round {next.Round}, part {next.ModelPart}, {next.Model?.Length ?? 0} parameters)";
                return null;
            }

            next.Model.CopyTo(model, offset);
        }

        error = null;
        return head with { Model = model, ModelPart = 0, ModelPartCount = 1 };
    }

    private static AppStatus? Refusal(ControlResponse? response, IPEndPoint endpoint, TimeSpan timeout, int part, out string? error)
    {
        error = response switch
        {
            null => $"no answer from {endpoint} within {timeout.TotalSeconds:F0} s (part {part} of the model)",
            { Ok: false } => $"{endpoint} refused part {part} of the model: {response.Error}",
            { Status: null } => $"{endpoint} answered part {part} of the model without a status",
            _ => null,
        };
        return error is null ? response!.Status : null;
    }
}
