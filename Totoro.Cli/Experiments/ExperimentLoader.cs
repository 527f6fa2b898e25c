using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Totoro.Cli.Experiments;

/// <summary>Reads an experiment file, checks every key, value, point and plot column, and expands the sweep.</summary>
internal static partial class ExperimentLoader
{
    /// <summary>How much of the sweep to run: all of it, the --quick form, or the smallest form (tests, checks).</summary>
    public enum Form
    {
        Full,
        Quick,
        Smallest,
    }

    public static Experiment Load(string path, Form form)
    {
        if (!File.Exists(path))
            throw new UsageException($"no experiment file '{path}' (see `totoro experiment list`)");
        var binder = new YamlBinder(path);
        YamlStream stream = Parse(path);

        if (stream.Documents.Count != 1)
            throw new UsageException($"{path}: expected one YAML document (got {stream.Documents.Count})");
        YamlNode root = stream.Documents[0].RootNode;
        ExperimentFile spec = binder.Bind<ExperimentFile>(root, "the experiment");
        YamlMappingNode map = binder.Mapping(root, "the experiment");
        Require(binder, map, spec.Name, "name");
        Require(binder, map, spec.Title, "title");
        Require(binder, map, spec.Kind, "kind");
        if (!NamePattern().IsMatch(spec.Name))
            throw binder.Error(KeyNode(map, "name")!, $"'name' must be lower-case letters, digits, '-' or '_' (got '{spec.Name}'); it names the results folder");
        IExperimentKind kind = ExperimentKinds.Find(spec.Kind)
            ?? throw binder.Error(KeyNode(map, "kind")!, $"unknown kind '{spec.Kind}' (known: {string.Join(", ", ExperimentKinds.All.Select(k => k.Name))})");

        List<ulong> seeds = form != Form.Full && spec.Quick?.Seeds is { } quickSeeds ? quickSeeds : spec.Seeds;
        if (seeds.Count == 0)
            throw binder.Error(KeyNode(map, "seeds") ?? root, "'seeds' needs at least one seed");
        if (form == Form.Smallest)
            seeds = seeds.Take(1).ToList();

        List<(string Key, List<YamlNode> Values)> axes = Axes(binder, kind, spec.Sweep, "sweep");
        if (form != Form.Full)
        {
            foreach ((string key, List<YamlNode> values) in Axes(binder, kind, spec.Quick?.Sweep, "quick sweep"))
            {
                int at = axes.FindIndex(a => a.Key == key);
                if (at >= 0)
                    axes[at] = (key, values);
                else
                    axes.Add((key, values));
            }
        }

        if (form == Form.Smallest)
            axes = axes.Select(a => (a.Key, a.Values.Take(2).ToList())).ToList();

        var points = new List<ExperimentPoint>();
        foreach (List<(string Key, YamlNode Value)> combination in Combinations(axes))
        {
            foreach (ulong seed in seeds)
            {
                object parameters = Activator.CreateInstance(kind.ParametersType)!;
                if (spec.Parameters is not null)
                    binder.BindInto(parameters, spec.Parameters, $"parameters of kind {kind.Name}");
                if (form != Form.Full && spec.Quick?.Parameters is not null)
                    binder.BindInto(parameters, spec.Quick.Parameters, $"quick parameters of kind {kind.Name}");
                foreach ((string key, YamlNode value) in combination)
                    YamlBinder.Property(kind.ParametersType, key)!.SetValue(parameters, binder.Convert(YamlBinder.Property(kind.ParametersType, key)!.PropertyType, value, key));
                string label = string.Join(" ", combination.Select(c => $"{c.Key}={((YamlScalarNode)c.Value).Value}").Append($"seed={seed}"));
                IReadOnlyList<string> problems = kind.Validate(parameters);
                if (problems.Count > 0)
                {
                    throw binder.Error(Culprit(problems[0], combination, form == Form.Full ? null : spec.Quick?.Parameters, spec.Parameters, root), $"point {label}: {problems[0]}");
                }

                points.Add(new ExperimentPoint(points.Count, seed, parameters, label));
            }
        }

        CheckPlots(binder, kind, spec, map);
        return new Experiment(path, spec, kind, form.ToString().ToLowerInvariant(), points);
    }

    /// <summary>
    /// The file's YAML; any syntax error is a <see cref="UsageException"/> naming the file, line and column. YamlDotNet
    /// reports most as <see cref="YamlException"/>, but some inputs make its scanner throw other types without a
    /// position (an unclosed flow sequence: <see cref="InvalidOperationException"/>), so the scanner's own position
    /// and the flow collections still open are used instead.
    /// </summary>
    private static YamlStream Parse(string path)
    {
        using var reader = new StreamReader(path);
        var scanner = new Scanner(reader);
        var parser = new FlowTracker(new Parser(scanner));
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
            return stream;
        }
        catch (YamlException ex)
        {
            string message = ex.Message.Contains("): ", StringComparison.Ordinal) ? ex.Message[(ex.Message.IndexOf("): ", StringComparison.Ordinal) + 3)..] : ex.Message;
            if (parser.InnermostOpen is { } inside)
                message = $"{message.TrimEnd('.')} (in the {Bracket(inside.Event)} opened at line {inside.Start.Line}, column {inside.Start.Column})";
            // Some carry no position (Mark.Empty): then an unknown alias is named where it is used, anything else where the scanner stopped.
            Mark at = !ex.Start.Equals(Mark.Empty) || !ex.End.Equals(Mark.Empty) ? ex.Start
                : ex is AnchorNotFoundException && parser.FirstUnknownAlias is { } alias ? alias
                : scanner.CurrentPosition;
            throw new UsageException($"{path} line {at.Line}, column {at.Column}: not valid YAML: {message}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            Mark at = scanner.CurrentPosition;
            string unclosed = parser.InnermostOpen is { } open
                ? $"the {Bracket(open.Event)} at line {open.Start.Line}, column {open.Start.Column} is never closed"
                : ex.Message;
            throw new UsageException($"{path} line {at.Line}, column {at.Column}: not valid YAML: {unclosed}");
        }
    }

    private static string Bracket(ParsingEvent open) => open is SequenceStart ? "'['" : "'{'";

    /// <summary>
    /// Passes a parser's events through, remembering where each flow sequence or mapping still open began and where
    /// the first alias of an anchor not defined before it is.
    /// </summary>
    private sealed class FlowTracker(IParser inner) : IParser
    {
        private readonly Stack<(ParsingEvent Event, Mark Start)> _open = new();
        private readonly HashSet<AnchorName> _anchors = [];

        public ParsingEvent? Current => inner.Current;

        public (ParsingEvent Event, Mark Start)? InnermostOpen => _open.Count > 0 ? _open.Peek() : null;

        public Mark? FirstUnknownAlias { get; private set; }

        public bool MoveNext()
        {
            bool moved = inner.MoveNext();
            if (inner.Current is NodeEvent { Anchor.IsEmpty: false } anchored)
                _anchors.Add(anchored.Anchor);
            if (inner.Current is AnchorAlias alias && !_anchors.Contains(alias.Value))
                FirstUnknownAlias ??= alias.Start;
            switch (inner.Current)
            {
                case SequenceStart { Style: SequenceStyle.Flow } or MappingStart { Style: MappingStyle.Flow }:
                    _open.Push((inner.Current, inner.Current.Start));
                    break;
                case SequenceEnd or MappingEnd when _open.Count > 0: // block collections never nest inside flow ones
                    _open.Pop();
                    break;
            }

            return moved;
        }
    }

    /// <summary>The line to blame for a point's problem: the key the problem names ('key'), where it was set.</summary>
    private static YamlNode Culprit(string problem, List<(string Key, YamlNode Value)> combination, YamlMappingNode? quick, YamlMappingNode? parameters, YamlNode root)
    {
        Match named = QuotedKey().Match(problem);
        string key = named.Success ? named.Groups[1].Value : "";
        foreach ((string axis, YamlNode value) in combination)
        {
            if (axis == key)
                return value;
        }

        if ((quick is null ? null : KeyNode(quick, key)) is { } inQuick)
            return inQuick;
        if ((parameters is null ? null : KeyNode(parameters, key)) is { } inParameters)
            return inParameters;
        return combination.Count > 0 ? combination[^1].Value : (YamlNode?)parameters ?? root;
    }

    private static void Require(YamlBinder binder, YamlMappingNode map, string value, string key)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw binder.Error(KeyNode(map, key) ?? map, $"'{key}' is required");
    }

    private static YamlNode? KeyNode(YamlMappingNode map, string key) =>
        map.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == key);

    private static List<(string Key, List<YamlNode> Values)> Axes(YamlBinder binder, IExperimentKind kind, YamlMappingNode? sweep, string section)
    {
        var axes = new List<(string, List<YamlNode>)>();
        if (sweep is null)
            return axes;
        foreach ((YamlNode keyNode, YamlNode value) in sweep.Children)
        {
            string key = binder.Key(keyNode);
            if (YamlBinder.Property(kind.ParametersType, key) is null)
                throw binder.Error(keyNode, $"unknown key '{key}' in {section} (kind {kind.Name} knows: {string.Join(", ", YamlBinder.Keys(kind.ParametersType))})");
            List<YamlNode> values = value is YamlSequenceNode list ? list.Children.ToList() : [value];
            if (values.Count == 0)
                throw binder.Error(keyNode, $"sweep axis '{key}' needs at least one value");
            foreach (YamlNode v in values)
            {
                if (v is not YamlScalarNode)
                    throw binder.Error(v, $"sweep axis '{key}' must list single values");
            }

            axes.Add((key, values));
        }

        return axes;
    }

    /// <summary>The cartesian product of the axes, the first axis outermost.</summary>
    private static IEnumerable<List<(string Key, YamlNode Value)>> Combinations(List<(string Key, List<YamlNode> Values)> axes)
    {
        IEnumerable<List<(string, YamlNode)>> result = [[]];
        foreach ((string key, List<YamlNode> values) in axes)
            result = result.SelectMany(prefix => values.Select(v => new List<(string, YamlNode)>(prefix) { (key, v) })).ToList();
        return result;
    }

    private static void CheckPlots(YamlBinder binder, IExperimentKind kind, ExperimentFile spec, YamlMappingNode map)
    {
        if (KeyNode(map, "plots") is { } plotsKey && map.Children[plotsKey] is YamlSequenceNode plotNodes)
        {
            for (int i = 0; i < spec.Plots.Count && i < plotNodes.Children.Count; i++)
                spec.Plots[i].Line = (int)plotNodes.Children[i].Start.Line;
        }

        var columns = YamlBinder.Keys(kind.RowType).ToHashSet();
        string known = string.Join(", ", columns.Order(StringComparer.Ordinal));
        foreach (PlotSpec plot in spec.Plots)
        {
            string where = $"{binder.File} line {plot.Line}: plot '{plot.File}'";
            if (!plot.File.EndsWith(".png", StringComparison.Ordinal) || plot.File.Contains('/', StringComparison.Ordinal) || plot.File.Contains('\\', StringComparison.Ordinal))
                throw new UsageException($"{where}: 'file' must be a file name ending in .png");
            if (plot.LegendAt is not ("upperLeft" or "upperRight" or "lowerLeft" or "lowerRight"))
                throw new UsageException($"{where}: 'legendAt' must be upperLeft, upperRight, lowerLeft or lowerRight (got '{plot.LegendAt}')");
            if (plot.Y.Count == 0)
                throw new UsageException($"{where}: 'y' needs at least one column");
            if (plot.Legend.Count > 0 && plot.Legend.Count != plot.Y.Count)
                throw new UsageException($"{where}: 'legend' must have one entry per 'y' column ({plot.Y.Count})");
            IEnumerable<string> named = plot.Y.Append(plot.X).Concat(plot.Where?.Children.Keys.Select(binder.Key) ?? []);
            if (plot.Series.Length > 0)
                named = named.Append(plot.Series);
            foreach (string column in named)
            {
                if (!columns.Contains(column))
                    throw new UsageException($"{where}: no column '{column}' in kind {kind.Name}'s rows (columns: {known})");
            }
        }
    }

    [GeneratedRegex("'([A-Za-z][A-Za-z0-9]*)'")]
    private static partial Regex QuotedKey();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex NamePattern();
}
