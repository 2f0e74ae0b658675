using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace SpecEditor.Specs.Yaml;

/// <summary>
/// Resolves plain scalars the way YAML 1.2's core schema does, and decides how to write a value back
/// so that it reads as the same type — also for YAML 1.1 readers (PyYAML), which treat <c>yes</c>/<c>no</c>/<c>on</c>/<c>off</c> as booleans.
/// </summary>
public static partial class ScalarResolver
{
    private const string StrTag = "tag:yaml.org,2002:str";

    private static readonly System.Buffers.SearchValues<char> FlowIndicators = System.Buffers.SearchValues.Create(",[]{}:");

    public static ScalarKind Resolve(YamlScalar scalar)
    {
        if (scalar.Tag == StrTag || scalar.IsQuoted || scalar.IsBlock)
        {
            return ScalarKind.String;
        }

        return ResolvePlain(scalar.Value);
    }

    public static ScalarKind ResolvePlain(string value) => value switch
    {
        "" or "~" or "null" or "Null" or "NULL" => ScalarKind.Null,
        "true" or "True" or "TRUE" or "false" or "False" or "FALSE" => ScalarKind.Boolean,
        _ when IntegerPattern().IsMatch(value) => ScalarKind.Integer,
        _ when FloatPattern().IsMatch(value) => ScalarKind.Float,
        _ => ScalarKind.String,
    };

    public static bool TryParseBoolean(string value, out bool result)
    {
        switch (value)
        {
            case "true" or "True" or "TRUE":
                result = true;
                return true;
            case "false" or "False" or "FALSE":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }

    public static bool TryParseInteger(string value, out long result)
    {
        if (value.StartsWith("0x", StringComparison.Ordinal))
        {
            return long.TryParse(value.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out result);
        }

        if (value.StartsWith("0o", StringComparison.Ordinal))
        {
            result = 0;
            foreach (var digit in value.AsSpan(2))
            {
                if (digit is < '0' or > '7' || result > long.MaxValue / 8)
                {
                    return false;
                }

                result = (result * 8) + (digit - '0');
            }

            return value.Length > 2;
        }

        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result);
    }

    /// <summary>
    /// Writes a string as a plain scalar when that reads back as the same string, in any YAML version.
    /// Inside a flow collection (<c>{…}</c>, <c>[…]</c>) a comma or bracket ends a plain value, and YAML 1.1 readers
    /// refuse a colon in one, so there such strings are quoted.
    /// </summary>
    public static bool CanBePlain(string value, bool inFlow = false)
    {
        if (value.Length == 0 || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            return false;
        }

        if ("-?:,[]{}#&*!|>'\"%@`".Contains(value[0], StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (char.IsControl(c) || c == '\uFEFF')
            {
                return false;
            }
        }

        if (inFlow && value.AsSpan().ContainsAny(FlowIndicators))
        {
            return false;
        }

        if (value.Contains(": ", StringComparison.Ordinal) || value.Contains(" #", StringComparison.Ordinal) || value.EndsWith(':'))
        {
            return false;
        }

        return ResolvePlain(value) == ScalarKind.String && !Yaml11Special().IsMatch(value);
    }

    public static string DoubleQuote(string value)
    {
        var builder = new System.Text.StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || c == '\uFEFF')
                    {
                        builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    public static string SingleQuote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Renders a string in the style the original scalar used, falling back to double quotes when that style cannot hold it.</summary>
    public static string RenderString(string value, ScalarStyle preferred, bool inFlow = false)
    {
        var printable = !value.Any(c => char.IsControl(c) || c == '\uFEFF');
        return preferred switch
        {
            ScalarStyle.SingleQuoted when printable => SingleQuote(value),
            ScalarStyle.DoubleQuoted => DoubleQuote(value),
            _ when CanBePlain(value, inFlow) => value,
            _ => DoubleQuote(value),
        };
    }

    [GeneratedRegex(@"^[-+]?(?:[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatPattern();

    // YAML 1.1 booleans, sexagesimal numbers and timestamps that a 1.1 reader (PyYAML, for one) would not take as strings.
    [GeneratedRegex(@"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|0b[01_]+|[-+]?0[0-7_]+|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?)\z")]
    private static partial Regex Yaml11Special();
}
