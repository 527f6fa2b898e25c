using System.Buffers.Binary;
using System.Text;

namespace Totoro.Cli;

/// <summary>
/// A global model on disk (docs/model-format.md): the ASCII magic "TOTORO-MODEL\n", version u8 (1), then little
/// endian: round i32, accuracy f64 (NaN: not evaluated), name length u16 + UTF-8 name, parameter count i32, and the
/// parameters as float32. The layout of the parameters is the model's (logreg: weights by class then biases).
/// </summary>
internal sealed record ModelFile(string Name, int Round, double Accuracy, float[] Parameters)
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("TOTORO-MODEL\n");

    public static void Write(string path, ModelFile model)
    {
        byte[] name = Encoding.UTF8.GetBytes(model.Name);
        var bytes = new byte[Magic.Length + 1 + 4 + 8 + 2 + name.Length + 4 + (4 * model.Parameters.Length)];
        Magic.CopyTo(bytes, 0);
        int at = Magic.Length;
        bytes[at++] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), model.Round);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(at + 4), model.Accuracy);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 12), (ushort)name.Length);
        name.CopyTo(bytes, at + 14);
        at += 14 + name.Length;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), model.Parameters.Length);
        for (int i = 0; i < model.Parameters.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at + 4 + (4 * i)), model.Parameters[i]);
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a model file; a file that is not one gives a one-line reason.</summary>
    public static ModelFile Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int at = Magic.Length;
        if (bytes.Length < at + 19 || !bytes.AsSpan(0, at).SequenceEqual(Magic) || bytes[at] != 1)
            throw new InvalidDataException($"{path} is not a TOTORO-MODEL file of version 1");
        at++;
        int round = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
        double accuracy = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(at + 4));
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 12));
        at += 14;
        if (bytes.Length < at + nameLength + 4)
            throw new InvalidDataException($"{path} ends inside its header");
        string name = Encoding.UTF8.GetString(bytes, at, nameLength);
        at += nameLength;
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
        if (count < 0 || bytes.Length != at + 4 + (4L * count))
            throw new InvalidDataException($"{path} declares {count} parameters but holds {(bytes.Length - at - 4) / 4}");
        var parameters = new float[count];
        for (int i = 0; i < count; i++)
            parameters[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at + 4 + (4 * i)));
        return new ModelFile(name, round, accuracy, parameters);
    }
}
