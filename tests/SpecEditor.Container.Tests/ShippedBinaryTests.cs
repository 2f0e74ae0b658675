using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SpecEditor.Container.Tests.Support;
using SpecEditor.GitHubFake;
using SpecEditor.Tests.Automation;

namespace SpecEditor.Container.Tests;

/// <summary>
/// The Native AOT executable from the image, run on this machine, through each part that leans on code generated ahead of
/// time: the server-rendered pages and their forms, JSON in and out, the OpenAPI document, the GitHub client against the
/// fake GitHub (sign-in, reads, a saved change), and PostgreSQL.
/// </summary>
public sealed class ShippedBinaryTests(SpecEditorImage image) : IAsyncLifetime
{
    private readonly TempDirectory _folder = new("spec-editor-shipped");
    private readonly PostgresServer _postgres = new();
    private string _executable = "";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _postgres.InitializeAsync();
        var built = await image.GetAsync();
        _executable = await ShippedExecutable.ExtractAsync(built, _folder.File("app"));
    }

    public async ValueTask DisposeAsync()
    {
        await _postgres.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Its_pages_and_forms_edit_a_pod_into_a_change_request_on_the_local_store()
    {
        await using var app = await StartAsync(new Dictionary<string, string?> { ["DATA_DIR"] = _folder.File("local") });
        using var browser = Browser(app);

        Assert.Contains("href=\"/pods/acme/prd\"", await GetPageAsync(browser, "/"), StringComparison.Ordinal);
        var form = HtmlForm.Read(await GetPageAsync(browser, "/pods/acme/dev"), "edit-form");
        form["f:spec.compute.instance_type"] = "t3.large";
        var preview = await PostAsync(browser, "/pods/acme/dev?handler=Preview", form);
        Assert.Equal(HttpStatusCode.OK, preview.Status);
        Assert.Contains("+    instance_type: t3.large", WebUtility.HtmlDecode(preview.Html), StringComparison.Ordinal);

        var confirm = HtmlForm.Read(preview.Html, "preview");
        confirm["Message"] = "Scale acme dev";
        var submitted = await PostAsync(browser, "/pods/acme/dev?handler=Submit", confirm);
        Assert.Equal(HttpStatusCode.Redirect, submitted.Status);
        Assert.Contains("Scale acme dev", await GetPageAsync(browser, submitted.Location!), StringComparison.Ordinal);
        Assert.Contains("Scale acme dev", await GetPageAsync(browser, "/changes"), StringComparison.Ordinal);

        // A post without the antiforgery token is refused, and nothing is saved.
        form.Remove("__RequestVerificationToken");
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(browser, "/pods/acme/prd?handler=Submit", form)).Status);

        // Friendly error page for a page that does not exist; problem+json for the API.
        using var missingPage = await browser.GetAsync("/pods/nobody/dev", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, missingPage.StatusCode);
        Assert.Equal("text/html", missingPage.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Runs", await GetPageAsync(browser, "/runs"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Its_JSON_API_and_OpenAPI_document_work_as_in_the_JIT_build()
    {
        await using var app = await StartAsync(new Dictionary<string, string?> { ["DATA_DIR"] = _folder.File("api") });
        using var client = Browser(app);

        var pods = await client.GetFromJsonAsync<JsonElement>("/api/pods", Cancel);
        Assert.Contains(pods.GetProperty("pods").EnumerateArray(), pod => pod.GetProperty("customer").GetString() == "acme");
        var pod = await client.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        Assert.Equal("ok", pod.GetProperty("status").GetString());

        using var saved = await client.PostAsJsonAsync("/api/pods/acme/dev/changes", new
        {
            version = pod.GetProperty("version").GetString(),
            values = new Dictionary<string, string> { ["spec.compute.instance_type"] = "t3.large" },
        }, Cancel);
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);

        var prd = await client.GetFromJsonAsync<JsonElement>("/api/pods/acme/prd", Cancel);
        using var invalid = await client.PostAsJsonAsync("/api/pods/acme/prd/preview", new
        {
            version = prd.GetProperty("version").GetString(),
            values = new Dictionary<string, string> { ["spec.compute.instance_name"] = "acme-prd\n" },
        }, Cancel);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        var problem = await invalid.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("spec.invalid", problem.GetProperty("code").GetString());
        Assert.Equal("pattern", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("rule").GetString());

        var openApi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Cancel);
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/pods/{customer}/{environment}/changes", out _));

        using var badFilter = await client.GetAsync("/api/automation/runs?state=bogus", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
        Assert.Equal("automation.invalid_filter", (await badFilter.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());
        var runs = await client.GetFromJsonAsync<JsonElement>("/api/automation/runs", Cancel);
        Assert.Equal(JsonValueKind.Array, runs.GetProperty("runs").ValueKind);
    }

    [Fact]
    public async Task Its_GitHub_client_signs_in_reads_the_repository_and_opens_a_pull_request()
    {
        await using var fake = await FakeGitHub.StartAsync(cancellationToken: Cancel);
        var repo = fake.CreateRepository("acme/specs");
        var bot = fake.AddUser("spec-bot", "Spec Bot", "bot@example.com");
        var alice = fake.AddUser("alice", "Alice Example", "alice@example.com");
        fake.RegisterOAuthApp("Iv1.fakeclient", "fake-oauth-client-secret-0123456789");
        repo.Commit("main", new Dictionary<string, string?>
        {
            ["specs/acme/dev/spec.yml"] = "metadata:\n  customer: acme\n  environment: dev\nspec:\n  compute:\n    instance_name: acme-dev-app\n    instance_type: t3.small\n",
        }, "Seed specs");
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["DATA_DIR"] = _folder.File("github"),
            ["SPEC_STORE"] = "github",
            ["GH_REPO"] = "acme/specs",
            ["GH_API_URL"] = fake.ApiUrl.ToString(),
            ["GH_WEB_URL"] = fake.WebUrl.ToString(),
            ["GH_TOKEN"] = fake.IssueToken(bot, "repo"),
            ["GH_OAUTH_CLIENT_ID"] = "Iv1.fakeclient",
            ["GH_OAUTH_CLIENT_SECRET"] = "fake-oauth-client-secret-0123456789",
            ["GH_CACHE_SECONDS"] = "0",
        });

        fake.BrowserUser = alice;
        using var browser = Browser(app, followRedirects: true);
        using (var login = await browser.GetAsync("/auth/login?returnUrl=%2F", Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }

        var me = await browser.GetFromJsonAsync<JsonElement>("/api/me", Cancel);
        Assert.Equal("alice", me.GetProperty("login").GetString());

        var pod = await browser.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        using var saved = await browser.PostAsJsonAsync("/api/pods/acme/dev/changes", new
        {
            version = pod.GetProperty("version").GetString(),
            values = new Dictionary<string, string> { ["spec.compute.instance_type"] = "t3.large" },
        }, Cancel);
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var pull = Assert.Single(repo.Pulls);
        Assert.Contains("instance_type: t3.large", repo.ReadFile(pull.Head, "specs/acme/dev/spec.yml"), StringComparison.Ordinal);
        Assert.Contains($"Pull request #{pull.Number}", await GetPageAsync(browser, "/pods/acme/dev"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task It_keeps_its_data_in_PostgreSQL()
    {
        var database = await _postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["DATA_DIR"] = _folder.File("pg"), ["DATABASE_URL"] = database };
        await using (var first = await StartAsync(settings))
        {
            using var client = Browser(first);
            var pod = await client.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
            using var saved = await client.PostAsJsonAsync("/api/pods/acme/dev/changes", new
            {
                version = pod.GetProperty("version").GetString(),
                values = new Dictionary<string, string> { ["spec.compute.instance_type"] = "t3.large" },
            }, Cancel);
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        }

        await using var second = await StartAsync(settings);
        using var again = Browser(second);
        var changes = await again.GetFromJsonAsync<JsonElement>("/api/changes", Cancel);
        Assert.Equal("acme", Assert.Single(changes.EnumerateArray()).GetProperty("customer").GetString());
    }

    private Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string?> settings) => AppProcess.StartAsync(settings, _executable);

    /// <summary>A client that keeps cookies like a browser; redirects are followed only when asked.</summary>
    private static HttpClient Browser(AppProcess app, bool followRedirects = false) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = followRedirects })
        {
            BaseAddress = app.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

    private static async Task<string> GetPageAsync(HttpClient browser, string path)
    {
        using var response = await browser.GetAsync(path, Cancel);
        var html = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}\n{html}");
        return html;
    }

    private static async Task<(HttpStatusCode Status, string Html, string? Location)> PostAsync(HttpClient browser, string path, Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        using var response = await browser.PostAsync(path, content, Cancel);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Cancel), response.Headers.Location?.ToString());
    }
}
