using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SpecEditor.Specs.Yaml;

/// <summary>Limits that keep a hostile or broken file from costing more than it is worth.</summary>
public sealed record YamlLimits(int MaxDepth = 64, int MaxNodes = 10_000, long MaxExpandedNodes = 10_000)
{
    public static YamlLimits Default { get; } = new();
}

/// <summary>The YAML text could not be read as a spec; carries the position when the parser knows it.</summary>
public sealed class YamlFormatException(string message, int? line = null, int? column = null) : Exception(message)
{
    public int? Line { get; } = line;

    public int? Column { get; } = column;

    public string Describe() => Line is null ? Message : $"line {Line}, column {Column}: {Message}";
}

/// <summary>
/// Parses one YAML document into nodes that keep their source offsets.
/// Aliases are linked to their anchors, never expanded; their would-be expanded size is bounded so alias bombs are refused.
/// </summary>
public static class YamlSourceParser
{
    public static YamlNode Parse(string text, YamlLimits? limits = null)
    {
        limits ??= YamlLimits.Default;
        var state = new ParseState(new Parser(new StringReader(text)), text, limits);
        try
        {
            state.Expect<StreamStart>();
            if (state.Peek() is StreamEnd)
            {
                throw new YamlFormatException("the file is empty");
            }

            state.Expect<DocumentStart>();
            var root = state.ReadNode(depth: 1);
            state.Expect<DocumentEnd>();
            if (state.Peek() is not StreamEnd)
            {
                var next = state.Peek();
                throw new YamlFormatException("the file holds more than one YAML document", (int)next.Start.Line, (int)next.Start.Column);
            }

            CheckExpansion(root, limits);
            return root;
        }
        catch (YamlException ex)
        {
            throw new YamlFormatException(Clean(ex.Message), (int)ex.Start.Line, (int)ex.Start.Column);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // YamlDotNet's scanner throws these on some malformed input (e.g. an unclosed flow sequence); it is still bad YAML.
            var (line, column) = state.LastPosition;
            throw new YamlFormatException("malformed YAML after this point", line, column);
        }
    }

    private static string Clean(string message)
    {
        // YamlDotNet prefixes its own "(Line: x, Col: y, Idx: z) - (…):" position; we report the position ourselves.
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return marker >= 0 && message.StartsWith('(') ? message[(marker + 3)..] : message;
    }

    private static void CheckExpansion(YamlNode root, YamlLimits limits)
    {
        var sizes = new Dictionary<YamlNode, long>(ReferenceEqualityComparer.Instance);
        if (ExpandedSize(root, sizes, limits.MaxExpandedNodes) > limits.MaxExpandedNodes)
        {
            throw new YamlFormatException(
                $"aliases would expand the document past {limits.MaxExpandedNodes} nodes (an alias bomb); the file is refused");
        }
    }

    private static long ExpandedSize(YamlNode node, Dictionary<YamlNode, long> sizes, long cap)
    {
        if (sizes.TryGetValue(node, out var known))
        {
            return known;
        }

        long size = node switch
        {
            YamlAlias alias => ExpandedSize(alias.Target, sizes, cap),
            YamlMapping mapping => mapping.Entries.Aggregate(1L, (sum, entry) => Math.Min(cap + 1, sum + 1 + ExpandedSize(entry.Value, sizes, cap))),
            YamlSequence sequence => sequence.Items.Aggregate(1L, (sum, item) => Math.Min(cap + 1, sum + ExpandedSize(item, sizes, cap))),
            _ => 1,
        };
        sizes[node] = size;
        return size;
    }

    private sealed class ParseState(IParser parser, string text, YamlLimits limits)
    {
        private readonly Dictionary<string, YamlNode> _anchors = new(StringComparer.Ordinal);
        private int _nodes;

        public (int Line, int Column) LastPosition { get; private set; } = (1, 1);

        public ParsingEvent Peek()
        {
            if (parser.Current is null && !parser.MoveNext())
            {
                throw new YamlFormatException("unexpected end of file");
            }

            LastPosition = ((int)parser.Current!.End.Line, (int)parser.Current.End.Column);
            return parser.Current;
        }

        public T Expect<T>()
            where T : ParsingEvent
        {
            var current = Peek();
            if (current is not T typed)
            {
                throw new YamlFormatException($"unexpected {current.GetType().Name}", (int)current.Start.Line, (int)current.Start.Column);
            }

            parser.MoveNext();
            return typed;
        }

        public YamlNode ReadNode(int depth)
        {
            var current = Peek();
            if (depth > limits.MaxDepth)
            {
                throw new YamlFormatException($"nesting is deeper than {limits.MaxDepth} levels", (int)current.Start.Line, (int)current.Start.Column);
            }

            if (++_nodes > limits.MaxNodes)
            {
                throw new YamlFormatException($"the document has more than {limits.MaxNodes} nodes", (int)current.Start.Line, (int)current.Start.Column);
            }

            parser.MoveNext();
            YamlNode node = current switch
            {
                Scalar scalar => ReadScalar(scalar),
                MappingStart mapping => ReadMapping(mapping, depth),
                SequenceStart sequence => ReadSequence(sequence, depth),
                AnchorAlias alias => ReadAlias(alias),
                _ => throw new YamlFormatException($"unexpected {current.GetType().Name}", (int)current.Start.Line, (int)current.Start.Column),
            };

            if (node.Anchor is { } anchor)
            {
                _anchors[anchor] = node;
            }

            return node;
        }

        private YamlScalar ReadScalar(Scalar scalar)
        {
            var start = (int)scalar.Start.Index;
            return new YamlScalar(start, (int)scalar.End.Index, (int)scalar.Start.Line, (int)scalar.Start.Column)
            {
                Value = scalar.Value,
                Style = scalar.Style,
                Tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value,
                Anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value,
                ValueStart = scalar.Anchor.IsEmpty && scalar.Tag.IsEmpty ? start : SkipProperties(start, (int)scalar.End.Index),
            };
        }

        // An anchor (&a) or tag (!t) precedes the value inside the scalar's span; edits must keep them.
        private int SkipProperties(int position, int end)
        {
            while (position < end && text[position] is '&' or '!')
            {
                while (position < end && !char.IsWhiteSpace(text[position]))
                {
                    position++;
                }

                while (position < end && char.IsWhiteSpace(text[position]))
                {
                    position++;
                }
            }

            return position;
        }

        private YamlMapping ReadMapping(MappingStart start, int depth)
        {
            var mapping = new YamlMapping((int)start.Start.Index, (int)start.End.Index, (int)start.Start.Line, (int)start.Start.Column, start.Style == MappingStyle.Flow)
            {
                Anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value,
            };
            var keys = new HashSet<string>(StringComparer.Ordinal);
            while (Peek() is not MappingEnd)
            {
                var keyEvent = Peek();
                if (ReadNode(depth + 1) is not YamlScalar key)
                {
                    throw new YamlFormatException("only plain text keys are supported", (int)keyEvent.Start.Line, (int)keyEvent.Start.Column);
                }

                if (!keys.Add(key.Value))
                {
                    throw new YamlFormatException($"duplicate key '{key.Value}'", key.Line, key.Column);
                }

                var value = ReadNode(depth + 1);
                mapping.Entries.Add(new(key, value));
                mapping.End = value.End;
            }

            var end = Expect<MappingEnd>();
            if (mapping.IsFlow)
            {
                mapping.End = (int)end.End.Index;
            }

            return mapping;
        }

        private YamlSequence ReadSequence(SequenceStart start, int depth)
        {
            var sequence = new YamlSequence((int)start.Start.Index, (int)start.End.Index, (int)start.Start.Line, (int)start.Start.Column, start.Style == SequenceStyle.Flow)
            {
                Anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value,
            };
            while (Peek() is not SequenceEnd)
            {
                var item = ReadNode(depth + 1);
                sequence.Items.Add(item);
                sequence.End = item.End;
            }

            var end = Expect<SequenceEnd>();
            if (sequence.IsFlow)
            {
                sequence.End = (int)end.End.Index;
            }

            return sequence;
        }

        private YamlAlias ReadAlias(AnchorAlias alias)
        {
            if (!_anchors.TryGetValue(alias.Value.Value, out var target))
            {
                throw new YamlFormatException($"alias *{alias.Value.Value} has no anchor", (int)alias.Start.Line, (int)alias.Start.Column);
            }

            return new YamlAlias((int)alias.Start.Index, (int)alias.End.Index, (int)alias.Start.Line, (int)alias.Start.Column)
            {
                Name = alias.Value.Value,
                Target = target,
            };
        }
    }
}
