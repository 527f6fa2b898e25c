using System.Collections;
using System.Globalization;
using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace Totoro.Cli.Experiments;

/// <summary>
/// Binds YAML mappings to plain C# objects by property name (keys are camelCase property names). Every unknown key
/// and every value of the wrong type is a <see cref="UsageException"/> naming the file, the line and the key, so a
/// typo in an experiment file never silently falls back to a default.
/// </summary>
internal sealed class YamlBinder(string file)
{
    public string File { get; } = file;

    /// <summary>"FILE line N: message", the prefix every experiment-file error carries.</summary>
    public UsageException Error(YamlNode node, string message) => new($"{File} line {node.Start.Line}: {message}");

    public T Bind<T>(YamlNode node, string section)
        where T : new()
    {
        var target = new T();
        BindInto(target, node, section);
        return target;
    }

    /// <summary>Sets every key of the mapping on <paramref name="target"/>.</summary>
    public void BindInto(object target, YamlNode node, string section)
    {
        YamlMappingNode map = Mapping(node, section);
        foreach ((YamlNode keyNode, YamlNode value) in map.Children)
        {
            string key = Key(keyNode);
            PropertyInfo property = Property(target.GetType(), key)
                ?? throw Error(keyNode, $"unknown key '{key}' in {section} (known: {string.Join(", ", Keys(target.GetType()))})");
            property.SetValue(target, Convert(property.PropertyType, value, key));
        }
    }

    public YamlMappingNode Mapping(YamlNode node, string section) =>
        node as YamlMappingNode ?? throw Error(node, $"{section} must be a mapping of key: value lines");

    public string Key(YamlNode node) =>
        node is YamlScalarNode { Value: { } key } ? key : throw Error(node, "keys must be plain names");

    /// <summary>The settable property a camelCase key names, or null.</summary>
    public static PropertyInfo? Property(Type type, string key) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => p.SetMethod?.IsPublic == true && CamelCase(p.Name) == key);

    public static IEnumerable<string> Keys(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true).Select(p => CamelCase(p.Name)).Order(StringComparer.Ordinal);

    public static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>Converts a node to the property's type: scalars, nullable scalars, lists, nested objects, raw nodes.</summary>
    public object? Convert(Type type, YamlNode node, string key)
    {
        if (typeof(YamlNode).IsAssignableFrom(type))
            return type.IsInstanceOfType(node) ? node : throw Error(node, $"'{key}' must be a {(type == typeof(YamlMappingNode) ? "mapping" : "list")}");
        if (type != typeof(string) && type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            Type element = type.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(type)!;
            if (node is YamlSequenceNode sequence)
            {
                foreach (YamlNode item in sequence.Children)
                    list.Add(Convert(element, item, key));
            }
            else
            {
                list.Add(Convert(element, node, key)); // a single value stands for a list of one
            }

            return list;
        }

        if (type.IsClass && type != typeof(string))
        {
            object nested = Activator.CreateInstance(type)!;
            BindInto(nested, node, $"'{key}'");
            return nested;
        }

        if (node is not YamlScalarNode scalar)
            throw Error(node, $"'{key}' must be a single value, not a list or mapping");
        return Scalar(type, scalar, key);
    }

    public object? Scalar(Type type, YamlScalarNode scalar, string key)
    {
        string text = scalar.Value ?? "";
        Type? underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            if (text is "" or "~" or "null")
                return null;
            type = underlying;
        }

        CultureInfo inv = CultureInfo.InvariantCulture;
        string clean = text.Replace("_", "", StringComparison.Ordinal);
        (bool ok, object? value, string what) = type switch
        {
            _ when type == typeof(string) => (true, (object?)text, "text"),
            _ when type == typeof(int) => (int.TryParse(clean, NumberStyles.Integer, inv, out int i), i, "a whole number"),
            _ when type == typeof(long) => (long.TryParse(clean, NumberStyles.Integer, inv, out long l), l, "a whole number"),
            _ when type == typeof(ulong) => (ulong.TryParse(clean, NumberStyles.Integer, inv, out ulong u), u, "a non-negative whole number"),
            _ when type == typeof(double) => (double.TryParse(clean, NumberStyles.Float, inv, out double d) && double.IsFinite(d), d, "a number"),
            _ when type == typeof(bool) => (bool.TryParse(text, out bool b), b, "true or false"),
            _ => throw new InvalidOperationException($"No YAML conversion for {type.Name} ('{key}')."),
        };
        return ok ? value : throw Error(scalar, $"'{key}' must be {what} (got '{text}')");
    }
}
