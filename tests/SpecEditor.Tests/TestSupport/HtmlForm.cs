using System.Net;
using System.Text.RegularExpressions;

namespace SpecEditor.Tests.TestSupport;

/// <summary>Reads a server-rendered form the way a browser without JavaScript posts it.</summary>
public static partial class HtmlForm
{
    /// <summary>The inputs a browser would post for the form marked with the test id (last value wins, as with checkboxes).</summary>
    public static Dictionary<string, string> Read(string html, string testId)
    {
        var start = html.IndexOf($"data-testid=\"{testId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no form {testId} on the page");
        var formStart = html.LastIndexOf("<form", start, StringComparison.Ordinal);
        var body = html[formStart..html.IndexOf("</form>", start, StringComparison.Ordinal)];
        var values = new Dictionary<string, string>();
        foreach (Match input in InputPattern().Matches(body))
        {
            var tag = input.Value;
            var name = WebUtility.HtmlDecode(Attribute(tag, "name") ?? "");
            if (name.Length == 0 || (tag.Contains("type=\"checkbox\"", StringComparison.Ordinal) && !tag.Contains("checked", StringComparison.Ordinal)))
            {
                continue;
            }

            values[name] = WebUtility.HtmlDecode(Attribute(tag, "value") ?? "");
        }

        foreach (Match select in SelectPattern().Matches(body))
        {
            var selected = SelectedPattern().Match(select.Groups["options"].Value);
            values[WebUtility.HtmlDecode(select.Groups["name"].Value)] = selected.Success ? WebUtility.HtmlDecode(selected.Groups["value"].Value) : "";
        }

        return values;
    }

    private static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, $"\\s{name}=\"(?<v>[^\"]*)\"");
        return match.Success ? match.Groups["v"].Value : null;
    }

    [GeneratedRegex("<input[^>]*>")]
    private static partial Regex InputPattern();

    [GeneratedRegex("<select[^>]*name=\"(?<name>[^\"]+)\"[^>]*>(?<options>.*?)</select>", RegexOptions.Singleline)]
    private static partial Regex SelectPattern();

    [GeneratedRegex("<option value=\"(?<value>[^\"]*)\" selected=\"selected\"")]
    private static partial Regex SelectedPattern();
}
