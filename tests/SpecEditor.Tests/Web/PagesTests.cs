using System.Net;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Web;

/// <summary>
/// The server-rendered pages as a browser without JavaScript uses them: plain GETs and form posts with the antiforgery token.
/// </summary>
public sealed class PagesTests : IAsyncLifetime
{
    private const string WithoutWaf = "metadata:\n  customer: acme\n  environment: dev\nspec:\n  compute:\n    instance_name: acme-dev-app\n    instance_type: t3.small\n";
    private TestApp _app = null!;
    private HttpClient _browser = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await TestApp.StartAsync();
        _browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = _app.BaseAddress };
    }

    public async ValueTask DisposeAsync()
    {
        _browser.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task The_dashboard_groups_pods_by_customer_with_environment_badges()
    {
        var html = await GetPageAsync("/");

        Assert.Contains("data-customer=\"acme\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/pods/acme/prd\"", html, StringComparison.Ordinal);
        Assert.Contains("class=\"badge env-stg\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Editing_a_pod_without_javascript_previews_the_diff_then_submits_a_change()
    {
        var page = await GetPageAsync("/pods/acme/dev");
        var form = HtmlForm.Read(page, "edit-form");

        form["f:spec.compute.instance_type"] = "t3.large";
        var preview = await PostAsync("/pods/acme/dev?handler=Preview", form);
        Assert.Equal(HttpStatusCode.OK, preview.Status);
        Assert.Contains("+    instance_type: t3.large", WebUtility.HtmlDecode(preview.Html), StringComparison.Ordinal);

        var confirm = HtmlForm.Read(preview.Html, "preview");
        confirm["Message"] = "Scale acme dev";
        var submitted = await PostAsync("/pods/acme/dev?handler=Submit", confirm);
        Assert.Equal(HttpStatusCode.Redirect, submitted.Status);
        Assert.Matches("^/changes/[0-9]+/submitted$", submitted.Location!);

        var done = await GetPageAsync(submitted.Location!);
        Assert.Contains("Scale acme dev", done, StringComparison.Ordinal);
        var changes = await GetPageAsync("/changes");
        Assert.Contains("Scale acme dev", changes, StringComparison.Ordinal);
        var dashboard = await GetPageAsync("/");
        Assert.Contains("marker open", dashboard, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_values_come_back_on_the_form_with_the_rule_next_to_the_field()
    {
        var form = HtmlForm.Read(await GetPageAsync("/pods/acme/dev"), "edit-form");
        form["f:spec.compute.instance_name"] = "Not Valid!";

        var response = await PostAsync("/pods/acme/dev?handler=Preview", form);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Contains("data-testid=\"errors\"", response.Html, StringComparison.Ordinal);
        Assert.Contains("(pattern)", response.Html, StringComparison.Ordinal);
        Assert.Contains("value=\"Not Valid!\"", response.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untouched_form_is_refused_as_nothing_to_save_even_when_the_file_lacks_the_optional_boolean()
    {
        // An unticked checkbox posts "false"; the file saying nothing about the WAF must not turn that into an edit.
        new GitCli(_app.RepositoryPath).CommitFile("specs/acme/dev/spec.yml", WithoutWaf);
        var form = HtmlForm.Read(await GetPageAsync("/pods/acme/dev"), "edit-form");

        var response = await PostAsync("/pods/acme/dev?handler=Preview", form);

        Assert.Contains("Nothing to save", response.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"preview\"", response.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Saving_one_field_from_the_form_leaves_the_fields_the_user_did_not_touch_byte_for_byte()
    {
        var git = new GitCli(_app.RepositoryPath);
        git.CommitFile("specs/spec.schema.yml", """
            type: object
            properties:
              spec:
                type: object
                properties:
                  name: {type: string}
                  ratio: {type: number}
                  scale: {type: number}
                  enabled: {type: boolean}

            """);
        const string file = "spec:\n  name: first\n  ratio: 1.0\n  scale: 1e3\n";
        git.CommitFile("specs/acme/dev/spec.yml", file);
        var form = HtmlForm.Read(await GetPageAsync("/pods/acme/dev"), "edit-form");
        form["f:spec.name"] = "second";

        var preview = await PostAsync("/pods/acme/dev?handler=Preview", form);
        var submitted = await PostAsync("/pods/acme/dev?handler=Submit", HtmlForm.Read(preview.Html, "preview"));

        Assert.Equal(HttpStatusCode.Redirect, submitted.Status);
        var branch = git.Branches().Single(b => b.StartsWith("changes/", StringComparison.Ordinal));
        Assert.Equal(file.Replace("first", "second", StringComparison.Ordinal), git.Show(branch, "specs/acme/dev/spec.yml"));
    }

    [Fact]
    public async Task A_number_a_browser_number_box_would_blank_is_shown_in_a_text_box_and_left_alone()
    {
        // Browsers empty a number box whose value is not an HTML number, and the empty value would then read as a removal.
        var git = new GitCli(_app.RepositoryPath);
        git.CommitFile("specs/spec.schema.yml", "type: object\nproperties:\n  spec:\n    type: object\n    properties:\n      ratio: {type: number}\n      scale: {type: number}\n");
        git.CommitFile("specs/acme/dev/spec.yml", "spec:\n  ratio: +1.5\n  scale: 1e3\n");
        var page = await GetPageAsync("/pods/acme/dev");

        Assert.Matches("<input id=\"f-spec-ratio\" name=\"f:spec.ratio\" value=\"&#x2B;1.5\"\\s+type=\"text\"", page);
        Assert.Matches("<input id=\"f-spec-scale\" name=\"f:spec.scale\" value=\"1e3\"\\s+type=\"number\"", page);
        var response = await PostAsync("/pods/acme/dev?handler=Preview", HtmlForm.Read(page, "edit-form"));
        Assert.Contains("Nothing to save", response.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_conflict_the_form_keeps_only_the_users_changes_on_top_of_the_latest_version()
    {
        var git = new GitCli(_app.RepositoryPath);
        var form = HtmlForm.Read(await GetPageAsync("/pods/acme/dev"), "edit-form");
        form["f:spec.compute.instance_name"] = "acme-dev-web";
        form["f:spec.compute.instance_type"] = "t3.large";

        // Meanwhile someone else changes a field the user left alone (the WAF) and one the user changed too (the type).
        git.CommitFile("specs/acme/dev/spec.yml", git.Show("main", "specs/acme/dev/spec.yml")
            .Replace("instance_type: t3.small", "instance_type: t3.micro", StringComparison.Ordinal)
            .Replace("enabled: false", "enabled: true", StringComparison.Ordinal));
        var conflict = await PostAsync("/pods/acme/dev?handler=Preview", form);
        Assert.Contains("data-testid=\"conflict\"", conflict.Html, StringComparison.Ordinal);

        var again = HtmlForm.Read(conflict.Html, "edit-form");
        Assert.Equal("acme-dev-web", again["f:spec.compute.instance_name"]);
        Assert.Equal("t3.large", again["f:spec.compute.instance_type"]);
        Assert.Equal("true", again["f:spec.security.waf.enabled"]);
        var preview = await PostAsync("/pods/acme/dev?handler=Preview", again);
        var diff = WebUtility.HtmlDecode(preview.Html);
        Assert.Contains("-    instance_type: t3.micro", diff, StringComparison.Ordinal);
        Assert.Contains("+    instance_type: t3.large", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("enabled: false", diff, StringComparison.Ordinal);
        var submitted = await PostAsync("/pods/acme/dev?handler=Submit", HtmlForm.Read(preview.Html, "preview"));

        Assert.Equal(HttpStatusCode.Redirect, submitted.Status);
        var saved = git.Show(git.Branches().Single(b => b.StartsWith("changes/", StringComparison.Ordinal)), "specs/acme/dev/spec.yml");
        Assert.Contains("instance_name: acme-dev-web", saved, StringComparison.Ordinal);
        Assert.Contains("instance_type: t3.large", saved, StringComparison.Ordinal);
        Assert.Contains("enabled: true", saved, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused()
    {
        var form = HtmlForm.Read(await GetPageAsync("/pods/acme/dev"), "edit-form");
        form.Remove("__RequestVerificationToken");

        var response = await PostAsync("/pods/acme/dev?handler=Preview", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(["main"], new GitCli(_app.RepositoryPath).Branches());
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("https://specs.example.com", true)] // behind a proxy that ends TLS, the app itself only sees http
    public async Task The_antiforgery_cookie_is_secure_when_people_use_https(string? publicUrl, bool secure)
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PUBLIC_URL"] = publicUrl });

        using var page = await app.Client.GetAsync(new Uri("/pods/acme/dev", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var cookie = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("spec-editor.csrf=", StringComparison.Ordinal));
        Assert.Equal(secure, cookie.Contains("; secure", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("; samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Creating_a_pod_from_the_form_opens_a_change_with_the_new_file()
    {
        var form = HtmlForm.Read(await GetPageAsync("/pods/new"), "new-form");
        form["Customer"] = "initrode";
        form["Environment"] = "prd";
        form["f:spec.compute.instance_name"] = "initrode-web";

        var preview = await PostAsync("/pods/new?handler=Preview", form);
        Assert.Contains("+++ b/specs/initrode/prd/spec.yml", WebUtility.HtmlDecode(preview.Html), StringComparison.Ordinal);
        var submitted = await PostAsync("/pods/new?handler=Submit", HtmlForm.Read(preview.Html, "preview"));

        Assert.Equal(HttpStatusCode.Redirect, submitted.Status);
        var branch = new GitCli(_app.RepositoryPath).Branches().Single(b => b.StartsWith("changes/", StringComparison.Ordinal));
        Assert.Contains("instance_name: initrode-web", new GitCli(_app.RepositoryPath).Show(branch, "specs/initrode/prd/spec.yml"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/pods/nobody/dev")]
    [InlineData("/pods/ACME/dev")]
    [InlineData("/changes/999")]
    [InlineData("/no/such/page")]
    public async Task Missing_things_get_a_friendly_404_page(string path)
    {
        using var response = await _browser.GetAsync(path, TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("There is nothing at this address", html, StringComparison.Ordinal);
        Assert.Contains("Back to the pods", html, StringComparison.Ordinal);
    }

    private async Task<string> GetPageAsync(string path)
    {
        using var response = await _browser.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    private async Task<(HttpStatusCode Status, string Html, string? Location)> PostAsync(string path, Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        using var response = await _browser.PostAsync(path, content, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), response.Headers.Location?.ToString());
    }
}
