using System.Text.RegularExpressions;
using SpecEditor.Hosting;

namespace SpecEditor.Specs;

/// <summary>Which store holds the specs, where in the repository they live, and the rules for pod names.</summary>
public sealed partial class SpecsSettings : ISettings<SpecsSettings>
{
    public static void Bind(IConfiguration configuration, SpecsSettings settings) => configuration.Bind(settings);

    /// <summary><c>local</c> (a git repository on disk, the default) or <c>github</c>.</summary>
    [ConfigurationKeyName("SPEC_STORE")]
    public string Store { get; set; } = "local";

    /// <summary>Folder inside the repository that holds <c>&lt;customer&gt;/&lt;env&gt;/spec.yml</c>.</summary>
    [ConfigurationKeyName("SPECS_PATH")]
    public string SpecsPath { get; set; } = "specs";

    /// <summary>The base branch changes are proposed against.</summary>
    [ConfigurationKeyName("WORKFLOW_BRANCH")]
    public string BaseBranch { get; set; } = "main";

    /// <summary>Comma-separated environment names a pod may have.</summary>
    [ConfigurationKeyName("ENVIRONMENTS")]
    public string Environments { get; set; } = "dev,stg,prd";

    /// <summary>Spec files larger than this many bytes are refused, not parsed.</summary>
    [ConfigurationKeyName("MAX_SPEC_BYTES")]
    public string MaxSpecBytes { get; set; } = "65536";

    /// <summary>The GitHub repository (owner/name) of the github store.</summary>
    [ConfigurationKeyName("GH_REPO")]
    public string? GitHubRepository { get; set; }

    /// <summary>Path of the local store's repository; defaults to <c>$DATA_DIR/specs.git</c>.</summary>
    [ConfigurationKeyName("LOCAL_REPO")]
    public string? LocalRepository { get; set; }

    /// <summary>Author of changes made through the local store, as <c>Name &lt;email&gt;</c>.</summary>
    [ConfigurationKeyName("LOCAL_AUTHOR")]
    public string LocalAuthor { get; set; } = "Spec Editor User <editor@localhost>";

    public bool IsGitHub => Store == "github";

    public IReadOnlyList<string> EnvironmentList =>
        Environments.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public int MaxSpecByteCount => int.Parse(MaxSpecBytes, System.Globalization.CultureInfo.InvariantCulture);

    public string NormalizedSpecsPath => SpecsPath.Trim('/');

    public IEnumerable<string> Validate()
    {
        if (Store is not ("local" or "github"))
        {
            yield return $"SPEC_STORE: '{Store}' is not a store; use local or github";
        }

        var path = NormalizedSpecsPath;
        if (path.Length == 0 || path.Split('/').Any(segment => !SafeSegment().IsMatch(segment) || segment is "." or ".."))
        {
            yield return $"SPECS_PATH: '{SpecsPath}' must be a relative folder of letters, digits, '.', '_' and '-' (no '..')";
        }

        if (!IsBranchName(BaseBranch))
        {
            yield return $"WORKFLOW_BRANCH: '{BaseBranch}' is not a valid branch name";
        }

        var environments = EnvironmentList;
        if (environments.Count == 0 || environments.Any(e => !PodPaths.IsValidName(e)))
        {
            yield return $"ENVIRONMENTS: '{Environments}' must be a comma-separated list of lowercase names (letters, digits, inner hyphens)";
        }

        if (!int.TryParse(MaxSpecBytes, out var max) || max is < 256 or > 10 * 1024 * 1024)
        {
            yield return $"MAX_SPEC_BYTES: '{MaxSpecBytes}' must be a whole number of bytes between 256 and 10485760";
        }

        if (IsGitHub && !IsRepositoryName(GitHubRepository))
        {
            yield return $"GH_REPO: '{GitHubRepository}' must name the repository as owner/name when SPEC_STORE is github";
        }

        if (ParseAuthor(LocalAuthor) is null)
        {
            yield return $"LOCAL_AUTHOR: '{LocalAuthor}' must look like 'Name <email>'";
        }
    }

    public (string Name, string Email) LocalAuthorIdentity => ParseAuthor(LocalAuthor) ?? ("", "");

    /// <summary>The local store's repository: <see cref="LocalRepository"/>, or <c>specs.git</c> in the data folder.</summary>
    public string LocalRepositoryPath(string dataDir) => LocalRepository is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.Combine(dataDir, "specs.git");

    // The checks below are shared with the automation engine, which names the same repositories, branches and authors.

    /// <summary>A GitHub repository as <c>owner/name</c>.</summary>
    public static bool IsRepositoryName(string? value) => value is not null && RepositoryName().IsMatch(value);

    /// <summary>A branch name git accepts and that stays inside <c>refs/heads</c>.</summary>
    public static bool IsBranchName(string? value) =>
        value is not null && BranchName().IsMatch(value) && !value.Contains("..", StringComparison.Ordinal) && !value.EndsWith(".lock", StringComparison.Ordinal);

    /// <summary>A commit author written <c>Name &lt;email&gt;</c>, split in two; null for any other shape.</summary>
    public static (string Name, string Email)? ParseAuthor(string value)
    {
        var match = AuthorPattern().Match(value);
        return match.Success ? (match.Groups["name"].Value.Trim(), match.Groups["email"].Value) : null;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+\\z")]
    private static partial Regex SafeSegment();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}\z")]
    private static partial Regex BranchName();

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}\z")]
    private static partial Regex RepositoryName();

    [GeneratedRegex(@"^(?<name>[^<>]+)<(?<email>[^<>\s]+)>\z")]
    private static partial Regex AuthorPattern();
}
