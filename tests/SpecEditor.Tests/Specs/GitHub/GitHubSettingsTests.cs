using SpecEditor.Specs.GitHub;

namespace SpecEditor.Tests.Specs.GitHub;

public sealed class GitHubSettingsTests
{
    private static GitHubSettings Valid() => new()
    {
        Store = "github",
        OAuthClientId = "Iv1.abcdef",
        OAuthClientSecret = "a-secret-value-that-must-never-be-printed",
        Token = "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
    };

    [Fact]
    public void Valid_settings_have_no_problems_and_the_local_store_ignores_them()
    {
        Assert.Empty(Valid().Validate());
        Assert.Empty(new GitHubSettings { Store = "local", ApiUrl = "nonsense" }.Validate());
    }

    [Fact]
    public void Each_bad_setting_is_one_line_naming_its_variable_without_printing_secrets()
    {
        var settings = Valid();
        settings.ApiUrl = "ftp://x";
        settings.Token = "short secret";
        settings.OAuthClientId = null;
        settings.OAuthClientSecret = "";
        settings.AllowedTeams = "acme";
        settings.ProtectedEnvironments = "prd=alice,%bad";
        settings.SaveModeName = "workflow-dispatch";
        settings.WorkflowInputs = "customer={customer},when={time}";
        settings.Attempts = "0";

        var lines = settings.Validate().ToArray();
        string[] expected = ["GH_API_URL", "GH_TOKEN", "GH_OAUTH_CLIENT_ID", "GH_OAUTH_CLIENT_SECRET", "GH_ALLOWED_TEAMS", "GH_PROTECTED_ENVIRONMENTS", "GH_WORKFLOW", "GH_WORKFLOW_INPUTS", "GH_ATTEMPTS"];
        Assert.Equal(expected, lines.Select(l => l.Split(':')[0]));
        Assert.DoesNotContain(lines, l => l.Contains("short secret", StringComparison.Ordinal));
    }

    [Fact]
    public void A_trailing_line_break_does_not_pass_a_name_check()
    {
        // .NET's $ also matches before a final \n; a value pasted with its newline must still be refused, not used.
        var settings = Valid();
        settings.Token = "ghp_0123456789abcdefghijklmnopqrstuvwxyz\n";

        var lines = settings.Validate().ToArray();

        Assert.Equal(["GH_TOKEN"], lines.Select(l => l.Split(':')[0]));
        Assert.False(SpecEditor.Specs.SpecsSettings.IsRepositoryName("acme/specs\n"));
        Assert.True(SpecEditor.Specs.SpecsSettings.IsRepositoryName("acme/specs"));
    }

    [Theory]
    [InlineData("https://api.github.com", "https://github.com/")]
    [InlineData("https://ghe.example.com/api/v3", "https://ghe.example.com/")]
    [InlineData("https://ghe.example.com/api/v3/", "https://ghe.example.com/")]
    public void The_web_url_for_sign_in_is_derived_from_the_API_url(string api, string web)
    {
        var settings = Valid();
        settings.ApiUrl = api;
        Assert.Equal(web, settings.WebBase.ToString());
    }

    [Fact]
    public void Protected_environments_and_allow_lists_ask_for_read_org_at_sign_in()
    {
        var settings = Valid();
        Assert.Equal(["repo"], settings.SignInScopes);
        settings.ProtectedEnvironments = "prd=alice,@acme/SRE;stg=bob";
        Assert.Equal(["repo", "read:org"], settings.SignInScopes);
        var prd = settings.ProtectedEnvironmentRules["prd"];
        Assert.Equal(["alice"], prd.Users);
        Assert.Equal(["acme/sre"], prd.Teams);
    }
}
