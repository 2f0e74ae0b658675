using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SpecEditor.Specs.Schema;

namespace SpecEditor.Specs;

/// <summary>A pod: one customer's one environment, stored as <c>&lt;specsPath&gt;/&lt;customer&gt;/&lt;environment&gt;/spec.yml</c>.</summary>
public readonly record struct PodId(string Customer, string Environment)
{
    public override string ToString() => $"{Customer}/{Environment}";
}

/// <summary>
/// The one place that turns pod names into repository paths. Names are checked before any path is built,
/// so no name can reach outside the specs folder.
/// </summary>
public sealed partial class PodPaths(IOptions<SpecsSettings> options)
{
    public const string SpecFileName = "spec.yml";
    public const string SchemaFileName = "spec.schema.yml";

    private readonly SpecsSettings _settings = options.Value;

    public string SpecsPath => _settings.NormalizedSpecsPath;

    public IReadOnlyList<string> Environments => _settings.EnvironmentList;

    /// <summary>Repository path of a schema file that overrides the built-in one.</summary>
    public string SchemaPath => $"{SpecsPath}/{SchemaFileName}";

    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>Checks both names; returns the problems, or none for a valid pod.</summary>
    public IReadOnlyList<ValidationError> Check(string? customer, string? environment)
    {
        var errors = new List<ValidationError>();
        if (!IsValidName(customer))
        {
            errors.Add(new("customer", "pattern", "must be 1-63 lowercase letters, digits and inner hyphens"));
        }

        if (!IsValidName(environment))
        {
            errors.Add(new("environment", "pattern", "must be 1-63 lowercase letters, digits and inner hyphens"));
        }
        else if (!Environments.Contains(environment!, StringComparer.Ordinal))
        {
            errors.Add(new("environment", "enum", $"must be one of {string.Join(", ", Environments)}"));
        }

        return errors;
    }

    public bool TryCreate(string? customer, string? environment, out PodId pod)
    {
        pod = default;
        if (Check(customer, environment).Count > 0)
        {
            return false;
        }

        pod = new PodId(customer!, environment!);
        return true;
    }

    public string SpecPath(PodId pod)
    {
        if (!IsValidName(pod.Customer) || !IsValidName(pod.Environment))
        {
            throw new ArgumentException($"'{pod}' is not a valid pod name", nameof(pod));
        }

        return $"{SpecsPath}/{pod.Customer}/{pod.Environment}/{SpecFileName}";
    }

    /// <summary>Recognises a spec file's repository path; anything else (bad names, unknown environments, other files) is not a pod.</summary>
    public bool TryParseSpecPath(string path, out PodId pod)
    {
        pod = default;
        var prefix = SpecsPath + "/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || !path.EndsWith("/" + SpecFileName, StringComparison.Ordinal))
        {
            return false;
        }

        var middle = path[prefix.Length..^(SpecFileName.Length + 1)].Split('/');
        return middle.Length == 2 && TryCreate(middle[0], middle[1], out pod);
    }

    // \z, not $: .NET's $ also matches before a final line break, which would let "acme\n" through.
    [GeneratedRegex(@"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\z")]
    private static partial Regex NamePattern();
}
