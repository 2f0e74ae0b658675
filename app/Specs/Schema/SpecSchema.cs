using System.Globalization;
using System.Text.RegularExpressions;
using SpecEditor.Specs.Yaml;

namespace SpecEditor.Specs.Schema;

public enum FieldType
{
    Object,
    String,
    Boolean,
    Integer,
    Number,
}

/// <summary>What a field's value is tied to instead of being edited: the pod's customer or environment folder.</summary>
public enum FieldBinding
{
    None,
    Customer,
    Environment,
}

/// <summary>
/// One node of a spec schema: a subset of JSON Schema (type, properties, required, enum, pattern, lengths, bounds,
/// title, description, default) plus <c>x-bind</c>, which ties a field to the pod's folder names.
/// </summary>
public sealed class SchemaNode
{
    public required FieldType Type { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<KeyValuePair<string, SchemaNode>> Properties { get; init; } = [];

    public IReadOnlySet<string> Required { get; init; } = new HashSet<string>();

    public IReadOnlyList<string>? Enum { get; init; }

    public Regex? Pattern { get; init; }

    public string? PatternText { get; init; }

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }

    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    public string? Default { get; init; }

    public FieldBinding Binding { get; init; }
}

/// <summary>A leaf of the schema: one form field, addressed by its dotted path.</summary>
public sealed record SchemaField(IReadOnlyList<string> Path, SchemaNode Node, bool Required)
{
    public string DottedPath { get; } = string.Join('.', Path);

    public string Label => Node.Title ?? Path[^1];
}

public sealed class SchemaFormatException(string message) : Exception(message);

/// <summary>A parsed spec schema and its form fields in document order.</summary>
public sealed class SpecSchema
{
    private static readonly HashSet<string> KnownKeywords =
    [
        "$schema", "$id", "title", "description", "type", "properties", "required", "enum", "pattern",
        "minLength", "maxLength", "minimum", "maximum", "default", "x-bind", "additionalProperties", "examples",
    ];

    private SpecSchema(SchemaNode root, string source)
    {
        Root = root;
        Source = source;
        Fields = Flatten(root, [], true).ToArray();
        FieldsByPath = Fields.ToDictionary(f => f.DottedPath, StringComparer.Ordinal);
    }

    public SchemaNode Root { get; }

    /// <summary>Where the schema came from: "default" or the repository path of its file.</summary>
    public string Source { get; }

    public IReadOnlyList<SchemaField> Fields { get; }

    public IReadOnlyDictionary<string, SchemaField> FieldsByPath { get; }

    public static SpecSchema Parse(string yaml, string source)
    {
        YamlNode root;
        try
        {
            root = YamlSourceParser.Parse(yaml);
        }
        catch (YamlFormatException ex)
        {
            throw new SchemaFormatException($"{source}: {ex.Describe()}");
        }

        var node = ReadNode(root, "(root)", source);
        if (node.Type != FieldType.Object)
        {
            throw new SchemaFormatException($"{source}: the root must have type: object");
        }

        return new SpecSchema(node, source);
    }

    private static IEnumerable<SchemaField> Flatten(SchemaNode node, List<string> path, bool required)
    {
        foreach (var (name, child) in node.Properties)
        {
            var childPath = new List<string>(path) { name };
            var childRequired = required && node.Required.Contains(name);
            if (child.Type == FieldType.Object)
            {
                foreach (var field in Flatten(child, childPath, childRequired))
                {
                    yield return field;
                }
            }
            else
            {
                yield return new SchemaField(childPath, child, childRequired);
            }
        }
    }

    private static SchemaNode ReadNode(YamlNode yaml, string path, string source)
    {
        if (yaml is not YamlMapping mapping)
        {
            throw new SchemaFormatException($"{source}: {path} must be a mapping");
        }

        foreach (var entry in mapping.Entries)
        {
            if (!KnownKeywords.Contains(entry.Key.Value) && !entry.Key.Value.StartsWith("x-", StringComparison.Ordinal))
            {
                throw new SchemaFormatException($"{source}: {path} uses '{entry.Key.Value}', which this editor does not support");
            }
        }

        var typeText = Text(mapping, "type", path, source) ?? "string";
        var type = typeText switch
        {
            "object" => FieldType.Object,
            "string" => FieldType.String,
            "boolean" => FieldType.Boolean,
            "integer" => FieldType.Integer,
            "number" => FieldType.Number,
            _ => throw new SchemaFormatException($"{source}: {path}.type '{typeText}' is not one of object, string, boolean, integer, number"),
        };

        var properties = new List<KeyValuePair<string, SchemaNode>>();
        if (mapping["properties"] is { } props)
        {
            if (props is not YamlMapping propMap)
            {
                throw new SchemaFormatException($"{source}: {path}.properties must be a mapping");
            }

            foreach (var (key, value) in propMap.Entries)
            {
                properties.Add(new(key.Value, ReadNode(value, $"{path}.properties.{key.Value}", source)));
            }
        }

        if (type == FieldType.Object && properties.Count == 0)
        {
            throw new SchemaFormatException($"{source}: {path} is an object without properties");
        }

        var required = List(mapping, "required", path, source)?.ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var name in required.Where(name => properties.All(p => p.Key != name)))
        {
            throw new SchemaFormatException($"{source}: {path}.required names '{name}', which is not a property");
        }

        var patternText = Text(mapping, "pattern", path, source);
        Regex? pattern = null;
        if (patternText is not null)
        {
            try
            {
                // Schemas come from repositories: a linear-time engine means no pattern can hang the server.
                pattern = new Regex(EndAnchorsAtEndOfInput(patternText), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                throw new SchemaFormatException($"{source}: {path}.pattern is not a supported regular expression: {ex.Message}");
            }
        }

        var binding = Text(mapping, "x-bind", path, source) switch
        {
            null => FieldBinding.None,
            "customer" => FieldBinding.Customer,
            "environment" => FieldBinding.Environment,
            var other => throw new SchemaFormatException($"{source}: {path}.x-bind '{other}' is not customer or environment"),
        };

        var node = new SchemaNode
        {
            Type = type,
            Title = Text(mapping, "title", path, source),
            Description = Text(mapping, "description", path, source),
            Properties = properties,
            Required = required,
            Enum = List(mapping, "enum", path, source),
            Pattern = pattern,
            PatternText = patternText,
            MinLength = (int?)Number(mapping, "minLength", path, source),
            MaxLength = (int?)Number(mapping, "maxLength", path, source),
            Minimum = Number(mapping, "minimum", path, source),
            Maximum = Number(mapping, "maximum", path, source),
            Default = Text(mapping, "default", path, source),
            Binding = binding,
        };

        if (node.Enum is { Count: 0 })
        {
            throw new SchemaFormatException($"{source}: {path}.enum is empty");
        }

        return node;
    }

    /// <summary>
    /// JSON Schema patterns are ECMAScript regular expressions, where <c>$</c> matches only at the end of the input; .NET's
    /// <c>$</c> also matches before a final line break, so "acme\n" would pass <c>^[a-z]+$</c>. Each <c>$</c> that is an
    /// anchor (not escaped, not inside a character class) becomes <c>\z</c>.
    /// </summary>
    private static string EndAnchorsAtEndOfInput(string pattern)
    {
        var builder = new System.Text.StringBuilder(pattern.Length + 4);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                builder.Append(c).Append(pattern[++i]);
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
            }
            else if (c == '[')
            {
                inClass = true;
                builder.Append(c);

                // As .NET reads it, a ']' right after '[' or '[^' is a literal member of the class, not its end.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    builder.Append(pattern[++i]);
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    builder.Append(pattern[++i]);
                }

                continue;
            }
            else if (c == '$')
            {
                builder.Append(@"\z");
                continue;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static string? Text(YamlMapping mapping, string key, string path, string source) => mapping[key] switch
    {
        null => null,
        YamlScalar scalar => scalar.Value,
        _ => throw new SchemaFormatException($"{source}: {path}.{key} must be a single value"),
    };

    private static double? Number(YamlMapping mapping, string key, string path, string source)
    {
        var text = Text(mapping, key, path, source);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new SchemaFormatException($"{source}: {path}.{key} must be a number");
    }

    private static IReadOnlyList<string>? List(YamlMapping mapping, string key, string path, string source) => mapping[key] switch
    {
        null => null,
        YamlSequence sequence => sequence.Items.Select(item => item is YamlScalar scalar
            ? scalar.Value
            : throw new SchemaFormatException($"{source}: {path}.{key} must list single values")).ToArray(),
        _ => throw new SchemaFormatException($"{source}: {path}.{key} must be a list"),
    };
}
