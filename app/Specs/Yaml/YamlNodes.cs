using YamlDotNet.Core;

namespace SpecEditor.Specs.Yaml;

/// <summary>
/// A YAML node that remembers where it came from, as character offsets into the source text.
/// Offsets are what make surgical edits possible: a save replaces only the characters of the edited values.
/// </summary>
public abstract class YamlNode(int start, int end, int line, int column)
{
    /// <summary>Offset of the first character of the node (including its anchor or tag, if any).</summary>
    public int Start { get; } = start;

    /// <summary>Offset just past the last character of the node.</summary>
    public int End { get; internal set; } = end;

    /// <summary>1-based line of <see cref="Start"/>.</summary>
    public int Line { get; } = line;

    /// <summary>1-based column of <see cref="Start"/>.</summary>
    public int Column { get; } = column;

    public string? Anchor { get; init; }
}

public sealed class YamlScalar(int start, int end, int line, int column) : YamlNode(start, end, line, column)
{
    public required string Value { get; init; }

    public required ScalarStyle Style { get; init; }

    /// <summary>The resolved tag, e.g. <c>tag:yaml.org,2002:str</c>, when the source gave one explicitly.</summary>
    public string? Tag { get; init; }

    /// <summary>Offset where the value itself starts, after any anchor or tag.</summary>
    public required int ValueStart { get; init; }

    public bool IsQuoted => Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted;

    public bool IsBlock => Style is ScalarStyle.Literal or ScalarStyle.Folded;

    /// <summary>How the value resolves under the YAML 1.2 core schema (quoted and block scalars are always strings).</summary>
    public ScalarKind Kind => ScalarResolver.Resolve(this);
}

public sealed class YamlMapping(int start, int end, int line, int column, bool isFlow) : YamlNode(start, end, line, column)
{
    public bool IsFlow { get; } = isFlow;

    public List<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = [];

    public YamlNode? this[string key]
    {
        get
        {
            foreach (var entry in Entries)
            {
                if (entry.Key.Value == key)
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }
}

public sealed class YamlSequence(int start, int end, int line, int column, bool isFlow) : YamlNode(start, end, line, column)
{
    public bool IsFlow { get; } = isFlow;

    public List<YamlNode> Items { get; } = [];
}

/// <summary>An alias (<c>*name</c>). It points at the anchored node; it is never copied or expanded.</summary>
public sealed class YamlAlias(int start, int end, int line, int column) : YamlNode(start, end, line, column)
{
    public required string Name { get; init; }

    public required YamlNode Target { get; init; }
}

public enum ScalarKind
{
    Null,
    Boolean,
    Integer,
    Float,
    String,
}
