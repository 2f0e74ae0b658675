using SpecEditor.Specs;
using SpecEditor.Specs.Schema;

namespace SpecEditor.Web;

/// <summary>
/// Form fields are named <c>f:&lt;dotted path&gt;</c>. A checkbox posts a hidden "false" before its "true",
/// so the last value wins and an unticked box still says false.
/// </summary>
public static class FormValues
{
    public const string Prefix = "f:";

    public static Dictionary<string, string?> Read(IFormCollection form)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in form)
        {
            if (key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                values[key[Prefix.Length..]] = value.Count == 0 ? null : value[^1];
            }
        }

        return values;
    }
}

/// <summary>What the field partial renders: the field, the value to show (the user's input after a failed post), and its errors.</summary>
public sealed record FieldInput(FieldView View, string? Value, IReadOnlyList<ValidationError> Errors);
