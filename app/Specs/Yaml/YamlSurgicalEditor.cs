using System.Globalization;
using System.Text;

namespace SpecEditor.Specs.Yaml;

/// <summary>A typed scalar to write. Strings keep the quoting style of the value they replace where they can.</summary>
public readonly record struct ScalarValue(ScalarKind Kind, string Text)
{
    public static ScalarValue Boolean(bool value) => new(ScalarKind.Boolean, value ? "true" : "false");

    public static ScalarValue Integer(long value) => new(ScalarKind.Integer, value.ToString(CultureInfo.InvariantCulture));

    public static ScalarValue Float(double value) => new(ScalarKind.Float, value.ToString("R", CultureInfo.InvariantCulture));

    public static ScalarValue String(string value) => new(ScalarKind.String, value);

    public override string ToString() => Text;
}

/// <summary>Sets the scalar at <paramref name="Path"/> to <paramref name="Value"/>, or removes it when the value is null.</summary>
public sealed record YamlEdit(IReadOnlyList<string> Path, ScalarValue? Value)
{
    public string DottedPath => string.Join('.', Path);
}

public sealed class YamlEditException(string message) : Exception(message);

/// <summary>
/// Applies edits to YAML text by replacing only the characters of the edited values.
/// Comments, key order, quoting, blank lines and unknown keys are never touched: every byte outside an edited value stays as it was.
/// Missing keys are appended to their nearest existing mapping with that mapping's indentation.
/// </summary>
public static class YamlSurgicalEditor
{
    public static string Apply(string text, YamlNode root, IEnumerable<YamlEdit> edits)
    {
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var replacements = new List<Replacement>();
        var insertions = new Dictionary<YamlNode, InsertionTree>(ReferenceEqualityComparer.Instance);
        var shared = AliasTargets(root);

        foreach (var edit in edits)
        {
            if (edit.Path.Count == 0)
            {
                throw new YamlEditException("an edit needs a field path");
            }

            Plan(text, root, shared, edit, replacements, insertions);
        }

        foreach (var (anchor, tree) in insertions)
        {
            replacements.AddRange(PlanInsertion(text, anchor, tree, newline));
        }

        return Splice(text, replacements);
    }

    private static void Plan(string text, YamlNode root, HashSet<YamlNode> shared, YamlEdit edit, List<Replacement> replacements, Dictionary<YamlNode, InsertionTree> insertions)
    {
        YamlNode node = root;
        YamlMapping? parent = null;
        YamlScalar? key = null;
        for (var i = 0; i < edit.Path.Count; i++)
        {
            var segment = edit.Path[i];
            if (shared.Contains(node))
            {
                // An alias elsewhere stands for this whole node: changing anything inside it changes that place too.
                throw new YamlEditException($"{edit.DottedPath}: '{string.Join('.', edit.Path.Take(i))}' is anchored (&{node.Anchor}) and shared by an alias; edit the file directly");
            }

            switch (node)
            {
                case YamlAlias:
                    throw new YamlEditException($"{edit.DottedPath}: '{string.Join('.', edit.Path.Take(i))}' comes from an alias; edit the anchored value in the file directly");
                case YamlMapping mapping:
                    var entry = mapping.Entries.FindIndex(e => e.Key.Value == segment);
                    if (entry < 0)
                    {
                        if (edit.Value is { } added)
                        {
                            Insertions(insertions, mapping).Add(edit.Path.Skip(i).ToArray(), added);
                        }

                        return;
                    }

                    parent = mapping;
                    key = mapping.Entries[entry].Key;
                    node = mapping.Entries[entry].Value;
                    break;
                case YamlScalar { Kind: ScalarKind.Null } empty when key is not null && parent is { IsFlow: false }:
                    if (edit.Value is { } nested)
                    {
                        Insertions(insertions, empty, key).Add(edit.Path.Skip(i).ToArray(), nested);
                    }

                    return;
                default:
                    throw new YamlEditException($"{edit.DottedPath}: '{string.Join('.', edit.Path.Take(i))}' is not a mapping");
            }
        }

        if (node is not YamlScalar scalar)
        {
            throw new YamlEditException($"{edit.DottedPath}: holds a {(node is YamlAlias ? "alias" : "mapping or list")}, not a single value");
        }

        if (scalar.Anchor is not null)
        {
            throw new YamlEditException($"{edit.DottedPath}: is anchored (&{scalar.Anchor}) and may be shared; edit the file directly");
        }

        if (edit.Value is { } value)
        {
            replacements.Add(ReplaceScalar(text, scalar, value, inFlow: parent!.IsFlow));
        }
        else
        {
            replacements.Add(RemoveEntry(text, parent!, key!, scalar, edit.DottedPath));
        }
    }

    /// <summary>The nodes some alias stands for (anchors that no alias uses share nothing).</summary>
    private static HashSet<YamlNode> AliasTargets(YamlNode root)
    {
        var targets = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<YamlNode>([root]);
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case YamlAlias alias:
                    targets.Add(alias.Target);
                    break;
                case YamlMapping mapping:
                    foreach (var (_, value) in mapping.Entries)
                    {
                        pending.Push(value);
                    }

                    break;
                case YamlSequence sequence:
                    foreach (var item in sequence.Items)
                    {
                        pending.Push(item);
                    }

                    break;
            }
        }

        return targets;
    }

    private static InsertionTree Insertions(Dictionary<YamlNode, InsertionTree> insertions, YamlNode anchor, YamlScalar? ownerKey = null)
    {
        if (!insertions.TryGetValue(anchor, out var tree))
        {
            tree = new InsertionTree { OwnerKey = ownerKey };
            insertions[anchor] = tree;
        }

        return tree;
    }

    private static Replacement ReplaceScalar(string text, YamlScalar scalar, ScalarValue value, bool inFlow)
    {
        var rendered = RenderScalar(value, scalar.Style, inFlow);
        if (IsEmpty(scalar))
        {
            return FillEmpty(text, scalar, rendered);
        }

        if (!scalar.IsBlock)
        {
            return new(scalar.ValueStart, scalar.End, rendered);
        }

        // A block scalar's span runs to the start of the next line (and over trailing blank lines): keep those line breaks.
        var lastContent = scalar.End - 1;
        while (lastContent > scalar.ValueStart && char.IsWhiteSpace(text[lastContent]))
        {
            lastContent--;
        }

        var lineBreak = text.IndexOf('\n', lastContent, scalar.End - lastContent);
        if (lineBreak > 0 && text[lineBreak - 1] == '\r')
        {
            lineBreak--;
        }

        rendered += HeaderComment(text, scalar.ValueStart);
        return lineBreak < 0
            ? new(scalar.ValueStart, scalar.End, rendered)
            : new(scalar.ValueStart, lineBreak, rendered);
    }

    /// <summary>The comment on a block scalar's header line ("| # note"), with the spaces before it, to keep after the new value.</summary>
    private static string HeaderComment(string text, int headerStart)
    {
        var headerEnd = LineEnd(text, headerStart);
        var hash = text.IndexOf('#', headerStart, headerEnd - headerStart);
        if (hash < 0)
        {
            return string.Empty;
        }

        var start = hash;
        while (start > headerStart && text[start - 1] is ' ' or '\t')
        {
            start--;
        }

        return text[start..headerEnd];
    }

    private static Replacement FillEmpty(string text, YamlScalar empty, string rendered)
    {
        // An empty value has no characters of its own: it sits right after "key:" (or after its tag, "key: !!str", where the
        // parser places it at the start of the next line). Write the value there, after a space, because "key:value" is one
        // plain scalar, not a key and a value; a comment that follows ("key:   # note") stays where it is.
        var at = EmptyValueOffset(text, empty);
        var before = at > 0 && !char.IsWhiteSpace(text[at - 1]) ? " " : string.Empty;
        var after = at < text.Length && text[at] == '#' ? " " : string.Empty;
        // A key added after this entry is inserted at the same offset when the empty value ends the line: the value goes first.
        return new(at, at, before + rendered + after, Depth: int.MaxValue);
    }

    private static bool IsEmpty(YamlScalar scalar) => scalar is { Style: YamlDotNet.Core.ScalarStyle.Plain, Value.Length: 0 };

    /// <summary>Where an empty value is: after its key's colon or after its tag, not where the parser put it (the next line).</summary>
    private static int EmptyValueOffset(string text, YamlScalar empty)
    {
        var at = empty.ValueStart;
        while (at > empty.Start && char.IsWhiteSpace(text[at - 1]))
        {
            at--;
        }

        return at;
    }

    private static Replacement RemoveEntry(string text, YamlMapping parent, YamlScalar key, YamlScalar value, string path)
    {
        var lineStart = LineStart(text, key.Start);
        if (parent.IsFlow || value.IsBlock || text[lineStart..key.Start].Any(c => !char.IsWhiteSpace(c)))
        {
            throw new YamlEditException($"{path}: can only be removed when it stands on its own line; edit the file directly");
        }

        var lineEnd = text.IndexOf('\n', IsEmpty(value) ? EmptyValueOffset(text, value) : value.End);
        return new(lineStart, lineEnd < 0 ? text.Length : lineEnd + 1, string.Empty);
    }

    private static IEnumerable<Replacement> PlanInsertion(string text, YamlNode anchor, InsertionTree tree, string newline)
    {
        switch (anchor)
        {
            case YamlMapping { IsFlow: true }:
                throw new YamlEditException($"cannot add '{tree.FirstPath}' inside a flow mapping {{…}}; edit the file directly");
            case YamlMapping mapping:
                {
                    var indent = mapping.Entries.Count > 0 ? mapping.Entries[0].Key.Column - 1 : 0;
                    var unit = IndentUnit(mapping, indent);
                    yield return InsertAfter(text, mapping.End, tree.Render(indent, unit, newline), newline, indent);
                    break;
                }

            case YamlScalar empty when tree.OwnerKey is { } key:
                {
                    // "key:" or "key: ~" — the key becomes a mapping. Drop the null marker, then add the nested lines below the key.
                    var keyIndent = key.Column - 1;
                    var lineEnd = LineEnd(text, key.End);
                    if (empty.End > empty.ValueStart && empty.ValueStart < lineEnd)
                    {
                        var markerStart = empty.ValueStart;
                        while (markerStart > key.End && text[markerStart - 1] == ' ')
                        {
                            markerStart--;
                        }

                        yield return new(markerStart, empty.End, string.Empty);
                    }

                    yield return new(lineEnd, lineEnd, newline + tree.Render(keyIndent + 2, 2, newline).TrimEnd('\r', '\n'), Depth: keyIndent + 2);
                    break;
                }

            default:
                throw new InvalidOperationException("insertion anchor must be a mapping or an empty value");
        }
    }

    private static int IndentUnit(YamlMapping mapping, int indent)
    {
        foreach (var entry in mapping.Entries)
        {
            if (entry.Value is YamlMapping { IsFlow: false, Entries.Count: > 0 } child)
            {
                var unit = child.Entries[0].Key.Column - 1 - indent;
                if (unit > 0)
                {
                    return unit;
                }
            }
        }

        return 2;
    }

    private static Replacement InsertAfter(string text, int end, string lines, string newline, int depth)
    {
        if (end > 0 && text[end - 1] == '\n')
        {
            return new(end, end, lines, depth);
        }

        var lineEnd = LineEnd(text, end);
        return new(lineEnd, lineEnd, newline + lines.TrimEnd('\r', '\n'), depth);
    }

    private static int LineStart(string text, int position)
    {
        var newline = position > 0 ? text.LastIndexOf('\n', Math.Min(position, text.Length) - 1) : -1;
        return newline + 1;
    }

    private static int LineEnd(string text, int position)
    {
        var newline = text.IndexOf('\n', Math.Min(position, text.Length));
        if (newline < 0)
        {
            return text.Length;
        }

        return newline > 0 && text[newline - 1] == '\r' ? newline - 1 : newline;
    }

    private static string RenderScalar(ScalarValue value, YamlDotNet.Core.ScalarStyle style, bool inFlow = false) =>
        value.Kind == ScalarKind.String ? ScalarResolver.RenderString(value.Text, style, inFlow) : value.Text;

    private static string RenderKey(string key) => ScalarResolver.CanBePlain(key) ? key : ScalarResolver.DoubleQuote(key);

    private static string Splice(string text, List<Replacement> replacements)
    {
        // Apply from the end so earlier offsets stay valid; at one offset, deeper insertions go first in the text.
        replacements.Sort((a, b) => a.Start != b.Start ? b.Start.CompareTo(a.Start) : a.Depth.CompareTo(b.Depth));
        for (var i = 1; i < replacements.Count; i++)
        {
            if (replacements[i].End > replacements[i - 1].Start && replacements[i].Start != replacements[i].End && replacements[i - 1].Start != replacements[i - 1].End)
            {
                throw new YamlEditException("two edits touch the same value");
            }
        }

        var builder = new StringBuilder(text);
        foreach (var replacement in replacements)
        {
            builder.Remove(replacement.Start, replacement.End - replacement.Start).Insert(replacement.Start, replacement.Text);
        }

        return builder.ToString();
    }

    private readonly record struct Replacement(int Start, int End, string Text, int Depth = 0);

    /// <summary>Keys to add under one existing node, in the order the edits named them.</summary>
    private sealed class InsertionTree
    {
        private readonly List<(string Key, ScalarValue? Value, InsertionTree? Children)> _entries = [];

        public string FirstPath => _entries.Count == 0 ? string.Empty : _entries[0].Key;

        /// <summary>When the anchor is an empty value, the key that owns it.</summary>
        public YamlScalar? OwnerKey { get; init; }

        public void Add(IReadOnlyList<string> path, ScalarValue value)
        {
            var index = _entries.FindIndex(e => e.Key == path[0]);
            if (path.Count == 1)
            {
                if (index >= 0)
                {
                    throw new YamlEditException($"'{path[0]}' is set twice");
                }

                _entries.Add((path[0], value, null));
                return;
            }

            if (index < 0)
            {
                _entries.Add((path[0], null, new InsertionTree()));
                index = _entries.Count - 1;
            }

            var children = _entries[index].Children ?? throw new YamlEditException($"'{path[0]}' is set both as a value and as a mapping");
            children.Add(path.Skip(1).ToArray(), value);
        }

        public string Render(int indent, int unit, string newline)
        {
            var builder = new StringBuilder();
            foreach (var (key, value, children) in _entries)
            {
                builder.Append(' ', indent).Append(RenderKey(key)).Append(':');
                if (value is { } scalar)
                {
                    builder.Append(' ').Append(RenderScalar(scalar, YamlDotNet.Core.ScalarStyle.Plain)).Append(newline);
                }
                else
                {
                    builder.Append(newline).Append(children!.Render(indent + unit, unit, newline));
                }
            }

            return builder.ToString();
        }
    }
}
