using System.Globalization;
using SpecEditor.Specs.Yaml;

namespace SpecEditor.Specs.Schema;

/// <summary>A rule a spec breaks: the field's dotted path, the schema keyword, and a sentence for people.</summary>
public sealed record ValidationError(string Path, string Rule, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>Checks a parsed spec against a schema. Unknown keys are allowed: they belong to the file's owners.</summary>
public static class SpecValidator
{
    public static IReadOnlyList<ValidationError> Validate(SpecSchema schema, YamlNode root, PodId pod)
    {
        var errors = new List<ValidationError>();
        ValidateObject(schema.Root, Resolve(root), [], pod, errors);
        return errors;
    }

    /// <summary>Reads the typed value of a leaf field, following aliases; null when absent or empty.</summary>
    public static YamlScalar? ReadScalar(YamlNode root, IReadOnlyList<string> path)
    {
        YamlNode? node = Resolve(root);
        foreach (var segment in path)
        {
            node = node is YamlMapping mapping ? mapping[segment] : null;
            if (node is null)
            {
                return null;
            }

            node = Resolve(node);
        }

        return node is YamlScalar { Kind: not ScalarKind.Null } scalar ? scalar : null;
    }

    /// <summary>Checks one value against its field's rules; used for form input before it reaches the file.</summary>
    public static IEnumerable<ValidationError> ValidateValue(SchemaField field, ScalarKind kind, string value, PodId pod)
    {
        var path = field.DottedPath;
        var node = field.Node;
        var expected = node.Type switch
        {
            FieldType.String => kind == ScalarKind.String,
            FieldType.Boolean => kind == ScalarKind.Boolean,
            FieldType.Integer => kind == ScalarKind.Integer,
            FieldType.Number => kind is ScalarKind.Integer or ScalarKind.Float,
            _ => false,
        };
        if (!expected)
        {
            yield return new(path, "type", $"must be {Article(node.Type)}{(node.Type == FieldType.String && kind != ScalarKind.String ? " (quote it)" : string.Empty)}");
            yield break;
        }

        if (node.Binding != FieldBinding.None)
        {
            var bound = node.Binding == FieldBinding.Customer ? pod.Customer : pod.Environment;
            if (value != bound)
            {
                yield return new(path, "x-bind", $"must be '{bound}', the pod's {node.Binding.ToString().ToLowerInvariant()} folder");
            }
        }

        if (node.Enum is { } allowed && !allowed.Contains(value, StringComparer.Ordinal))
        {
            yield return new(path, "enum", $"must be one of {string.Join(", ", allowed)}");
        }

        if (node.Type == FieldType.String)
        {
            var length = value.EnumerateRunes().Count();
            if (node.MinLength is { } min && length < min)
            {
                yield return new(path, "minLength", min == 1 ? "must not be empty" : $"must be at least {min} characters");
            }

            if (node.MaxLength is { } max && length > max)
            {
                yield return new(path, "maxLength", $"must be at most {max} characters");
            }

            if (node.Pattern is { } pattern && !pattern.IsMatch(value))
            {
                yield return new(path, "pattern", node.Description is { } hint ? $"must match {node.PatternText} ({hint})" : $"must match {node.PatternText}");
            }
        }

        if (node.Type is FieldType.Integer or FieldType.Number
            && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            if (node.Minimum is { } minimum && number < minimum)
            {
                yield return new(path, "minimum", $"must be at least {minimum.ToString(CultureInfo.InvariantCulture)}");
            }

            if (node.Maximum is { } maximum && number > maximum)
            {
                yield return new(path, "maximum", $"must be at most {maximum.ToString(CultureInfo.InvariantCulture)}");
            }
        }
    }

    private static void ValidateObject(SchemaNode schema, YamlNode node, List<string> path, PodId pod, List<ValidationError> errors)
    {
        var where = path.Count == 0 ? "(root)" : string.Join('.', path);
        if (node is not YamlMapping mapping)
        {
            errors.Add(new(where, "type", "must be a mapping"));
            return;
        }

        foreach (var (name, child) in schema.Properties)
        {
            var childPath = new List<string>(path) { name };
            var value = mapping[name] is { } raw ? Resolve(raw) : null;
            if (value is null or YamlScalar { Kind: ScalarKind.Null })
            {
                if (schema.Required.Contains(name))
                {
                    errors.Add(new(string.Join('.', childPath), "required", "is required"));
                }

                continue;
            }

            if (child.Type == FieldType.Object)
            {
                ValidateObject(child, value, childPath, pod, errors);
            }
            else if (value is YamlScalar scalar)
            {
                var field = new SchemaField(childPath, child, schema.Required.Contains(name));
                errors.AddRange(ValidateValue(field, scalar.Kind, scalar.Value, pod));
            }
            else
            {
                errors.Add(new(string.Join('.', childPath), "type", $"must be {Article(child.Type)}, not a mapping or list"));
            }
        }
    }

    private static YamlNode Resolve(YamlNode node) => node is YamlAlias alias ? alias.Target : node;

    private static string Article(FieldType type) => type switch
    {
        FieldType.Integer => "an integer",
        FieldType.Object => "a mapping",
        _ => "a " + type.ToString().ToLowerInvariant(),
    };
}
