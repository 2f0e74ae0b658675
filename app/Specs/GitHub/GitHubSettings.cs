using System.Globalization;
using System.Text.RegularExpressions;
using SpecEditor.Hosting;

namespace SpecEditor.Specs.GitHub;

/// <summary>How the changes of the GitHub store are delivered.</summary>
public enum SaveMode
{
    /// <summary>A branch with one commit and a pull request, reviewed and merged on GitHub.</summary>
    PullRequest,

    /// <summary>A branch with one commit, then a <c>workflow_dispatch</c> of the deploy workflow instead of a pull request.</summary>
    WorkflowDispatch,
}

/// <summary>
/// The GitHub store, sign-in and their limits. Secrets (<c>GH_TOKEN</c>, <c>GH_OAUTH_CLIENT_SECRET</c>) are only ever
/// named in messages, never printed.
/// </summary>
public sealed partial class GitHubSettings : ISettings<GitHubSettings>
{
    public static void Bind(IConfiguration configuration, GitHubSettings settings) => configuration.Bind(settings);

    /// <summary>Placeholders a workflow input may use: <c>{customer}</c>, <c>{branch}</c> and so on.</summary>
    public static readonly IReadOnlyList<string> InputPlaceholders =
        ["customer", "environment", "pod", "path", "branch", "commit", "base", "title", "actor", "changes"];

    [ConfigurationKeyName("SPEC_STORE")]
    public string Store { get; set; } = "local";

    /// <summary>REST API root: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server.</summary>
    [ConfigurationKeyName("GH_API_URL")]
    public string ApiUrl { get; set; } = "https://api.github.com";

    /// <summary>Web root for sign-in and links; derived from GH_API_URL when unset.</summary>
    [ConfigurationKeyName("GH_WEB_URL")]
    public string? WebUrl { get; set; }

    /// <summary>Service token: reads and health only. Without it, reads use the signed-in user's token.</summary>
    [ConfigurationKeyName("GH_TOKEN")]
    public string? Token { get; set; }

    [ConfigurationKeyName("GH_OAUTH_CLIENT_ID")]
    public string? OAuthClientId { get; set; }

    [ConfigurationKeyName("GH_OAUTH_CLIENT_SECRET")]
    public string? OAuthClientSecret { get; set; }

    /// <summary>Scopes asked for at sign-in; <c>read:org</c> is added when teams or organisations are checked.</summary>
    [ConfigurationKeyName("GH_OAUTH_SCOPES")]
    public string OAuthScopes { get; set; } = "repo";

    /// <summary>Comma-separated organisation logins whose members may sign in.</summary>
    [ConfigurationKeyName("GH_ALLOWED_ORGS")]
    public string? AllowedOrgs { get; set; }

    /// <summary>Comma-separated <c>org/team-slug</c> names whose members may sign in.</summary>
    [ConfigurationKeyName("GH_ALLOWED_TEAMS")]
    public string? AllowedTeams { get; set; }

    /// <summary><c>env=login,@org/team;env2=...</c>: only those users and teams may change pods of that environment.</summary>
    [ConfigurationKeyName("GH_PROTECTED_ENVIRONMENTS")]
    public string? ProtectedEnvironments { get; set; }

    /// <summary><c>pull-request</c> (default) or <c>workflow-dispatch</c>.</summary>
    [ConfigurationKeyName("GH_SAVE_MODE")]
    public string SaveModeName { get; set; } = "pull-request";

    /// <summary>The workflow file dispatched in workflow-dispatch mode, e.g. <c>deploy.yml</c>.</summary>
    [ConfigurationKeyName("GH_WORKFLOW")]
    public string? Workflow { get; set; }

    /// <summary>Workflow inputs as <c>name={placeholder}</c> pairs separated by commas.</summary>
    [ConfigurationKeyName("GH_WORKFLOW_INPUTS")]
    public string WorkflowInputs { get; set; } = "customer={customer},environment={environment},ref={branch}";

    /// <summary>How long a read of the base branch or the open pull requests is reused before it is checked again (a 304 when unchanged).</summary>
    [ConfigurationKeyName("GH_CACHE_SECONDS")]
    public string CacheSeconds { get; set; } = "5";

    [ConfigurationKeyName("GH_TIMEOUT_SECONDS")]
    public string TimeoutSeconds { get; set; } = "15";

    /// <summary>Attempts per request for 5xx answers, timeouts and short rate-limit waits.</summary>
    [ConfigurationKeyName("GH_ATTEMPTS")]
    public string Attempts { get; set; } = "4";

    /// <summary>First retry delay; each next one doubles, with jitter.</summary>
    [ConfigurationKeyName("GH_RETRY_DELAY_MS")]
    public string RetryDelayMs { get; set; } = "500";

    /// <summary>The longest rate-limit wait (Retry-After or reset) a request sits out before failing with the time to come back.</summary>
    [ConfigurationKeyName("GH_MAX_WAIT_SECONDS")]
    public string MaxWaitSeconds { get; set; } = "10";

    public bool IsGitHub => Store == "github";

    public SaveMode SaveMode => SaveModeName == "workflow-dispatch" ? SaveMode.WorkflowDispatch : SaveMode.PullRequest;

    /// <summary>The API root with a trailing slash, so relative endpoints append to it.</summary>
    public Uri ApiBase => new(ApiUrl.TrimEnd('/') + "/");

    public Uri WebBase => new(WebRootFor(ApiUrl, WebUrl) + "/");

    /// <summary>The web (and git) root for an API root: GH_WEB_URL when set, else derived from GH_API_URL. Shared with automation.</summary>
    public static string WebRootFor(string apiUrl, string? webUrl) => (webUrl is { Length: > 0 } web ? web : DeriveWebUrl(apiUrl)).TrimEnd('/');

    public IReadOnlyList<string> AllowedOrgList => List(AllowedOrgs);

    public IReadOnlyList<string> AllowedTeamList => List(AllowedTeams);

    public bool HasAllowList => AllowedOrgList.Count > 0 || AllowedTeamList.Count > 0;

    public TimeSpan CacheFor => TimeSpan.FromSeconds(double.Parse(CacheSeconds, CultureInfo.InvariantCulture));

    public TimeSpan Timeout => TimeSpan.FromSeconds(double.Parse(TimeoutSeconds, CultureInfo.InvariantCulture));

    public int AttemptCount => int.Parse(Attempts, CultureInfo.InvariantCulture);

    public TimeSpan RetryDelay => TimeSpan.FromMilliseconds(int.Parse(RetryDelayMs, CultureInfo.InvariantCulture));

    public TimeSpan MaxWait => TimeSpan.FromSeconds(double.Parse(MaxWaitSeconds, CultureInfo.InvariantCulture));

    /// <summary>Scopes to ask for at sign-in.</summary>
    public IReadOnlyList<string> SignInScopes
    {
        get
        {
            var scopes = OAuthScopes.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).ToList();
            if (NeedsMembership && !scopes.Contains("read:org") && !scopes.Contains("admin:org"))
            {
                scopes.Add("read:org");
            }

            return scopes;
        }
    }

    /// <summary>True when sign-in must learn the user's organisations and teams.</summary>
    public bool NeedsMembership => HasAllowList || ProtectedEnvironmentRules.Values.Any(rule => rule.Teams.Count > 0);

    public IReadOnlyDictionary<string, EnvironmentRule> ProtectedEnvironmentRules => ParseProtected(ProtectedEnvironments, out _);

    /// <summary>Workflow input name to template, in the configured order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> WorkflowInputMap => ParseInputs(WorkflowInputs, out _);

    public IEnumerable<string> Validate()
    {
        if (!IsGitHub)
        {
            yield break;
        }

        foreach (var line in UrlErrors(ApiUrl, WebUrl))
        {
            yield return line;
        }

        if (Token is { Length: > 0 } token && (token.Any(char.IsWhiteSpace) || token.Length < 20))
        {
            yield return "GH_TOKEN: does not look like a GitHub token (too short or contains spaces); the value is not shown";
        }

        if (string.IsNullOrWhiteSpace(OAuthClientId))
        {
            yield return "GH_OAUTH_CLIENT_ID: is required when SPEC_STORE is github: create an OAuth app with the callback URL <PUBLIC_URL>/auth/callback";
        }
        else if (!ClientIdPattern().IsMatch(OAuthClientId))
        {
            yield return $"GH_OAUTH_CLIENT_ID: '{OAuthClientId}' is not an OAuth app client id (letters, digits, '.', '_' and '-')";
        }

        if (string.IsNullOrWhiteSpace(OAuthClientSecret))
        {
            yield return "GH_OAUTH_CLIENT_SECRET: is required when SPEC_STORE is github";
        }

        foreach (var scope in OAuthScopes.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Where(s => !ScopePattern().IsMatch(s)))
        {
            yield return $"GH_OAUTH_SCOPES: '{scope}' is not a scope name";
        }

        foreach (var org in AllowedOrgList.Where(o => !LoginPattern().IsMatch(o)))
        {
            yield return $"GH_ALLOWED_ORGS: '{org}' is not an organisation login";
        }

        foreach (var team in AllowedTeamList.Where(t => !TeamPattern().IsMatch(t)))
        {
            yield return $"GH_ALLOWED_TEAMS: '{team}' must be written as org/team-slug";
        }

        ParseProtected(ProtectedEnvironments, out var protectedError);
        if (protectedError is not null)
        {
            yield return $"GH_PROTECTED_ENVIRONMENTS: {protectedError}";
        }

        if (SaveModeName is not ("pull-request" or "workflow-dispatch"))
        {
            yield return $"GH_SAVE_MODE: '{SaveModeName}' is not a save mode; use pull-request or workflow-dispatch";
        }
        else if (SaveMode == SaveMode.WorkflowDispatch && (Workflow is null || !WorkflowPattern().IsMatch(Workflow)))
        {
            yield return $"GH_WORKFLOW: '{Workflow}' must name the workflow file to dispatch (e.g. deploy.yml) when GH_SAVE_MODE is workflow-dispatch";
        }

        ParseInputs(WorkflowInputs, out var inputError);
        if (inputError is not null)
        {
            yield return $"GH_WORKFLOW_INPUTS: {inputError}";
        }

        foreach (var line in Range("GH_CACHE_SECONDS", CacheSeconds, 0, 3600)
            .Concat(Range("GH_TIMEOUT_SECONDS", TimeoutSeconds, 1, 300))
            .Concat(Range("GH_ATTEMPTS", Attempts, 1, 10))
            .Concat(Range("GH_RETRY_DELAY_MS", RetryDelayMs, 1, 60000))
            .Concat(Range("GH_MAX_WAIT_SECONDS", MaxWaitSeconds, 0, 600)))
        {
            yield return line;
        }
    }

    private static IEnumerable<string> Range(string name, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            yield return $"{name}: '{value}' must be a whole number from {min} to {max}";
        }
    }

    /// <summary>
    /// The lines for a bad GH_API_URL or GH_WEB_URL. Shared with automation, which reads the same variables: startup drops
    /// duplicate lines, so the same text from both means one line per bad URL.
    /// </summary>
    public static IEnumerable<string> UrlErrors(string apiUrl, string? webUrl)
    {
        if (!IsHttpUrl(apiUrl))
        {
            yield return $"GH_API_URL: '{apiUrl}' is not an absolute http(s) URL (https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server)";
        }

        if (webUrl is { Length: > 0 } && !IsHttpUrl(webUrl))
        {
            yield return $"GH_WEB_URL: '{webUrl}' is not an absolute http(s) URL";
        }
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query);

    private static string DeriveWebUrl(string apiUrl)
    {
        if (!Uri.TryCreate(apiUrl, UriKind.Absolute, out var uri))
        {
            return "https://github.com";
        }

        if (uri.Host.Equals("api.github.com", StringComparison.OrdinalIgnoreCase))
        {
            return "https://github.com";
        }

        // GitHub Enterprise Server serves the API under /api/v3 of the same host as the web pages.
        var path = uri.AbsolutePath.TrimEnd('/');
        var root = path.EndsWith("/api/v3", StringComparison.OrdinalIgnoreCase) ? path[..^"/api/v3".Length] : path;
        return $"{uri.Scheme}://{uri.Authority}{root}";
    }

    private static IReadOnlyList<string> List(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Dictionary<string, EnvironmentRule> ParseProtected(string? value, out string? error)
    {
        error = null;
        var rules = new Dictionary<string, EnvironmentRule>(StringComparer.Ordinal);
        foreach (var part in (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pieces.Length != 2 || !PodPaths.IsValidName(pieces[0]))
            {
                error = $"'{part}' must look like env=login,@org/team (rules separated by ';')";
                return rules;
            }

            var users = new List<string>();
            var teams = new List<string>();
            foreach (var who in pieces[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (who.StartsWith('@') && TeamPattern().IsMatch(who[1..]))
                {
                    teams.Add(who[1..].ToLowerInvariant());
                }
                else if (LoginPattern().IsMatch(who))
                {
                    users.Add(who.ToLowerInvariant());
                }
                else
                {
                    error = $"'{who}' in the rule for {pieces[0]} is neither a login nor @org/team";
                    return rules;
                }
            }

            if (users.Count + teams.Count == 0)
            {
                error = $"the rule for {pieces[0]} names nobody; list logins or @org/team";
                return rules;
            }

            rules[pieces[0]] = new EnvironmentRule(pieces[0], users, teams);
        }

        return rules;
    }

    private static List<KeyValuePair<string, string>> ParseInputs(string value, out string? error)
    {
        error = null;
        var inputs = new List<KeyValuePair<string, string>>();
        foreach (var pair in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pieces.Length != 2 || !InputNamePattern().IsMatch(pieces[0]))
            {
                error = $"'{pair}' must look like input_name={{placeholder}}";
                return inputs;
            }

            foreach (Match placeholder in PlaceholderPattern().Matches(pieces[1]))
            {
                if (!InputPlaceholders.Contains(placeholder.Groups[1].Value))
                {
                    error = $"'{{{placeholder.Groups[1].Value}}}' in '{pair}' is not a placeholder; use {string.Join(", ", InputPlaceholders.Select(p => "{" + p + "}"))}";
                    return inputs;
                }
            }

            inputs.Add(new(pieces[0], pieces[1]));
        }

        if (inputs.Count > 10)
        {
            error = "GitHub accepts at most 10 workflow inputs";
        }

        return inputs;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{4,100}\\z")]
    private static partial Regex ClientIdPattern();

    [GeneratedRegex("^[a-z:_]{2,40}\\z")]
    private static partial Regex ScopePattern();

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\\z")]
    internal static partial Regex LoginPattern();

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}\\z")]
    private static partial Regex TeamPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._ -]{1,100}\.ya?ml\z|^[0-9]{1,20}\z")]
    private static partial Regex WorkflowPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,99}\\z")]
    private static partial Regex InputNamePattern();

    [GeneratedRegex(@"\{([^{}]*)\}")]
    internal static partial Regex PlaceholderPattern();
}

/// <summary>Who may change the pods of one protected environment: logins and <c>org/team</c> slugs, lowercase.</summary>
public sealed record EnvironmentRule(string Environment, IReadOnlyList<string> Users, IReadOnlyList<string> Teams)
{
    public string Describe() => string.Join(", ", Users.Concat(Teams.Select(t => "@" + t)));
}
