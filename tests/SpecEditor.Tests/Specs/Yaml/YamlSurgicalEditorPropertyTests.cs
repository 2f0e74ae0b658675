using System.Globalization;
using System.Text;
using SpecEditor.Specs.Yaml;
using YamlDotNet.RepresentationModel;

namespace SpecEditor.Tests.Specs.Yaml;

/// <summary>
/// Property-style: for many random valid specs (random key order, indentation, quoting, comments, blank lines, unknown keys,
/// empty values, flow mappings) and random edits, the edited file reads back — through YamlDotNet's own loader, independently of our parser —
/// with exactly the edited values changed, and every line that held no edited value is byte-for-byte the same.
/// </summary>
public sealed class YamlSurgicalEditorPropertyTests
{
    private static readonly string[] Words = ["acme", "t3.small", "yes", "no", "on", "123", "1.5", "a: b", "x #y", "it's", "say \"hi\"", "naïve", "-dash", "", " pad", "true", "null", "~", "@at", "multi word value", "ünïcødé ✓", "a, b", "x}y", "[z]", "k:v"];

    [Fact]
    public void Random_replacements_change_exactly_the_edited_values()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var spec = RandomSpec.Generate(random);
            var leaves = spec.Leaves.OrderBy(_ => random.Next()).Take(random.Next(1, spec.Leaves.Count + 1)).ToList();
            var edits = leaves.Select(leaf => new YamlEdit(leaf.Path, RandomValue(random))).ToList();

            var edited = YamlSurgicalEditor.Apply(spec.Text, YamlSourceParser.Parse(spec.Text), edits);

            var expected = spec.Leaves.ToDictionary(l => string.Join('.', l.Path), l => l.Value);
            foreach (var edit in edits)
            {
                expected[edit.DottedPath] = edit.Value!.Value.Text;
            }

            AssertValues(expected, edited, seed);
            var oldLines = spec.Text.Split('\n');
            var newLines = edited.Split('\n');
            Assert.Equal(oldLines.Length, newLines.Length);
            var editedLines = leaves.Select(l => l.Line).ToHashSet();
            for (var i = 0; i < oldLines.Length; i++)
            {
                if (!editedLines.Contains(i))
                {
                    Assert.True(oldLines[i] == newLines[i], $"seed {seed}: line {i + 1} changed:\n{oldLines[i]}\n{newLines[i]}");
                }
                else
                {
                    // The key and anything after the value (a comment) stay; only the value between them changes.
                    var key = oldLines[i][..(oldLines[i].IndexOf(':', StringComparison.Ordinal) + 1)];
                    Assert.StartsWith(key, newLines[i], StringComparison.Ordinal);
                    var comment = oldLines[i].IndexOf(" #c", StringComparison.Ordinal);
                    if (comment >= 0)
                    {
                        Assert.EndsWith(oldLines[i][comment..], newLines[i], StringComparison.Ordinal);
                    }
                }
            }
        }
    }

    [Fact]
    public void Random_additions_keep_every_original_line_in_order()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var spec = RandomSpec.Generate(random);
            var parents = spec.Mappings.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList();
            var edits = parents
                .Select((parent, i) => new YamlEdit([.. parent, $"added_{i}", .. random.Next(2) == 0 ? new[] { "nested" } : []], RandomValue(random)))
                .ToList();

            var edited = YamlSurgicalEditor.Apply(spec.Text, YamlSourceParser.Parse(spec.Text), edits);

            var expected = spec.Leaves.ToDictionary(l => string.Join('.', l.Path), l => l.Value);
            foreach (var edit in edits)
            {
                expected[edit.DottedPath] = edit.Value!.Value.Text;
            }

            AssertValues(expected, edited, seed);
            var newLines = edited.Split('\n');
            var next = 0;
            foreach (var line in spec.Text.Split('\n'))
            {
                while (next < newLines.Length && newLines[next] != line)
                {
                    next++;
                }

                Assert.True(next < newLines.Length, $"seed {seed}: original line '{line}' is missing or out of order in:\n{edited}");
                next++;
            }
        }
    }

    private static ScalarValue RandomValue(Random random) => random.Next(4) switch
    {
        0 => ScalarValue.Boolean(random.Next(2) == 0),
        1 => ScalarValue.Integer(random.Next(-1000, 100000)),
        _ => ScalarValue.String(Words[random.Next(Words.Length)] + (random.Next(3) == 0 ? random.Next(100).ToString(CultureInfo.InvariantCulture) : "")),
    };

    private static void AssertValues(Dictionary<string, string> expected, string text, int seed)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var actual = new Dictionary<string, string>();
        Collect((YamlMappingNode)stream.Documents[0].RootNode, "", actual);
        foreach (var (path, value) in expected)
        {
            Assert.True(actual.TryGetValue(path, out var read), $"seed {seed}: {path} is missing after the edit:\n{text}");
            Assert.True(value == read, $"seed {seed}: {path} reads '{read}', expected '{value}':\n{text}");
        }
    }

    private static void Collect(YamlMappingNode mapping, string prefix, Dictionary<string, string> values)
    {
        foreach (var (key, value) in mapping.Children)
        {
            var path = prefix + ((YamlScalarNode)key).Value;
            switch (value)
            {
                case YamlMappingNode child:
                    Collect(child, path + ".", values);
                    break;
                case YamlScalarNode scalar:
                    values[path] = scalar.Value ?? "";
                    break;
            }
        }
    }

    /// <summary>A random but valid spec file, with the paths, values and line numbers of its scalar leaves.</summary>
    private sealed record RandomSpec(string Text, List<(string[] Path, string Value, int Line)> Leaves, List<string[]> Mappings)
    {
        public static RandomSpec Generate(Random random)
        {
            var unit = random.Next(2) == 0 ? 2 : 4;
            var builder = new StringBuilder();
            var leaves = new List<(string[], string, int)>();
            var mappings = new List<string[]> { Array.Empty<string>() };
            var line = 0;
            if (random.Next(2) == 0)
            {
                builder.Append("# generated spec\n");
                line++;
            }

            void Mapping(string[] path, int depth)
            {
                var keys = Enumerable.Range(0, random.Next(1, 5)).Select(i => $"k{depth}_{i}").OrderBy(_ => random.Next()).ToList();
                foreach (var key in keys)
                {
                    var indent = new string(' ', depth * unit);
                    if (random.Next(5) == 0)
                    {
                        builder.Append(random.Next(2) == 0 ? "\n" : $"{indent}# note about {key}\n");
                        line++;
                    }

                    string[] childPath = [.. path, key];
                    if (depth < 3 && random.Next(3) == 0)
                    {
                        builder.Append(indent).Append(key).Append(":\n");
                        line++;
                        mappings.Add(childPath);
                        Mapping(childPath, depth + 1);
                    }
                    else if (random.Next(8) == 0)
                    {
                        builder.Append(indent).Append(key).Append(": [x, y]  # unknown list\n");
                        line++;
                    }
                    else if (random.Next(8) == 0)
                    {
                        // A flow mapping on one line: its values are leaves too, where commas and brackets end a plain value.
                        builder.Append(indent).Append(key).Append(": {");
                        var count = random.Next(1, 4);
                        for (var i = 0; i < count; i++)
                        {
                            var value = random.Next(6) == 0 ? string.Empty : LeafValue(random);
                            builder.Append(i == 0 ? string.Empty : ", ").Append('f').Append(i).Append(": ").Append(value.Length == 0 ? string.Empty : Render(random, value, inFlow: true));
                            leaves.Add(([.. childPath, $"f{i}"], value, line));
                        }

                        builder.Append('}').Append(random.Next(3) == 0 ? " #c " + key : string.Empty).Append('\n');
                        line++;
                    }
                    else if (random.Next(8) == 0)
                    {
                        // A value left empty ("key:"), which reads as an empty string, sometimes with a comment after it.
                        builder.Append(indent).Append(key).Append(':').Append(random.Next(2) == 0 ? "   #c " + key : string.Empty).Append('\n');
                        leaves.Add((childPath, string.Empty, line));
                        line++;
                    }
                    else
                    {
                        var value = LeafValue(random);
                        builder.Append(indent).Append(key).Append(": ").Append(Render(random, value, inFlow: false));
                        if (random.Next(3) == 0)
                        {
                            builder.Append(" #c ").Append(key);
                        }

                        builder.Append('\n');
                        leaves.Add((childPath, value, line));
                        line++;
                    }
                }
            }

            Mapping([], 0);
            return new RandomSpec(builder.ToString(), leaves, mappings);
        }

        private static string LeafValue(Random random) =>
            Words[random.Next(Words.Length)].Trim() is { Length: > 0 } word && word is not ("yes" or "no" or "on" or "true" or "null" or "~" or "123" or "1.5") ? word : "v";

        private static string Render(Random random, string value, bool inFlow) => random.Next(3) switch
        {
            0 => ScalarResolver.SingleQuote(value),
            1 => ScalarResolver.DoubleQuote(value),
            _ => ScalarResolver.CanBePlain(value, inFlow) ? value : ScalarResolver.DoubleQuote(value),
        };
    }
}
