using System.Text.RegularExpressions;
using SpecEditor.Specs;
using SpecEditor.Specs.Schema;

namespace SpecEditor.Web;

/// <summary>
/// Form fields are named <c>f:&lt;dotted path&gt;</c>. A checkbox posts a hidden "false" before its "true",
/// so the last value wins and an unticked box still says false.
/// </summary>
/// <remarks>
/// An edit form posts every field, so it also carries, as <c>o:&lt;dotted path&gt;</c>, what each control posted when it was
/// rendered. Only fields whose posted value differs from that original are edits: an unticked box for a boolean the file
/// lacks, or a number the file spells <c>1.0</c>, is not a change the user made.
/// </remarks>
public static partial class FormValues
{
    public const string Prefix = "f:";

    public const string OriginalPrefix = "o:";

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

    /// <summary>
    /// A named field, read as model binding read a page's string property: its first value, an empty one as null, and
    /// <paramref name="absent"/> when the form does not have the field.
    /// </summary>
    public static string? Field(IFormCollection form, string name, string? absent = null) =>
        form.TryGetValue(name, out var values) ? (string.IsNullOrEmpty(values.FirstOrDefault()) ? null : values[0]) : absent;

    /// <summary>
    /// The fields the user changed: every posted field except those equal to their posted original. A field without an
    /// original (the preview's submit form carries only the changes) is a change.
    /// </summary>
    public static Dictionary<string, string?> ReadChanged(IFormCollection form)
    {
        var values = Read(form);
        foreach (var (key, original) in form)
        {
            if (key.StartsWith(OriginalPrefix, StringComparison.Ordinal)
                && values.TryGetValue(key[OriginalPrefix.Length..], out var posted)
                && (posted ?? "") == (original.Count == 0 ? "" : original[^1] ?? ""))
            {
                values.Remove(key[OriginalPrefix.Length..]);
            }
        }

        return values;
    }

    /// <summary>What the field's control posts when the user leaves it alone (see Web/Pages/Shared/_Field.cshtml, which renders it).</summary>
    public static string Untouched(SchemaField field, string? value)
    {
        if (field.Node.Type == FieldType.Boolean)
        {
            return IsChecked(value) ? "true" : "false";
        }

        if (field.Node.Enum is { } options)
        {
            // A value the list does not allow is shown as the empty choice, which is selected.
            return value is not null && options.Contains(value) ? value : "";
        }

        // Browsers drop line breaks from a one-line box's value.
        return (value ?? "").Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
    }

    /// <summary>Whether a boolean field's checkbox is ticked for this value.</summary>
    public static bool IsChecked(string? value) => value is "true" or "True" or "TRUE";

    /// <summary>
    /// Whether a number box can hold the value. Browsers empty a number box whose value is not an HTML floating-point number
    /// (YAML's <c>+1</c>, <c>.inf</c> or <c>0x10</c>), so such a value is shown in a text box instead of being lost.
    /// </summary>
    public static bool FitsNumberBox(string? value) => value is null || HtmlNumber().IsMatch(value);

    [GeneratedRegex("^-?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?\\z")]
    private static partial Regex HtmlNumber();
}

/// <summary>
/// What the field partial renders: the field, the value to show (the user's input after a failed post), its errors, and on
/// edit forms the value the control posted as rendered from the file (null on forms that create).
/// </summary>
public sealed record FieldInput(FieldView View, string? Value, IReadOnlyList<ValidationError> Errors, string? Original = null);
