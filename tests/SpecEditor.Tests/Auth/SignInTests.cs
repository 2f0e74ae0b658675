using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SpecEditor.Auth;
using SpecEditor.Tests.TestSupport;
using static SpecEditor.Tests.Specs.GitHub.GitHubStoreContractTests;

namespace SpecEditor.Tests.Auth;

/// <summary>GitHub sign-in: the OAuth round trip, its state check, the session cookie, logout, the allow-list and protected environments.</summary>
public sealed partial class SignInTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Signing_in_with_GitHub_starts_a_session_that_shows_in_the_user_menu_and_signing_out_ends_it()
    {
        await using var world = await GitHubWorld.StartAsync();
        var anonymous = await world.App.Client.GetStringAsync("/", Cancel);
        Assert.Contains("data-testid=\"sign-in\"", anonymous, StringComparison.Ordinal);

        var alice = await world.SignInAsync(world.Alice, "/pods/acme/dev");
        var page = await alice.GetStringAsync("/", Cancel);
        Assert.Matches(@"data-testid=""user-login"">alice<", page);

        using var logout = await alice.PostAsync("/auth/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryToken().Match(page).Groups[1].Value,
        }), Cancel);
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        var me = await alice.GetFromJsonAsync<GitHubWorld.Session>("/api/me", Cancel);
        Assert.False(me!.SignedIn);
    }

    [Fact]
    public async Task Signing_out_without_the_forms_antiforgery_token_is_refused()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = await world.SignInAsync(world.Alice);
        using var logout = await alice.PostAsync("/auth/logout", new FormUrlEncodedContent([]), Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        Assert.True((await alice.GetFromJsonAsync<GitHubWorld.Session>("/api/me", Cancel))!.SignedIn);
    }

    [Fact]
    public async Task The_callback_is_refused_when_its_state_was_tampered_with_or_comes_from_another_browser()
    {
        await using var world = await GitHubWorld.StartAsync();
        world.Fake.BrowserUser = world.Alice;
        var browser = world.Browser(followRedirects: false);
        using var login = await browser.GetAsync("/auth/login", Cancel);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var authorize = login.Headers.Location!;
        Assert.StartsWith(new Uri(world.Fake.WebUrl, "login/oauth/authorize").ToString(), authorize.ToString(), StringComparison.Ordinal);
        Assert.Contains("code_challenge=", authorize.Query, StringComparison.Ordinal);

        using var github = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        async Task<Uri> CallbackAsync()
        {
            using var approved = await github.GetAsync(authorize, Cancel);
            return approved.Headers.Location!;
        }

        var tampered = await CallbackAsync();
        using var forged = await browser.GetAsync(Regex.Replace(tampered.ToString(), "state=[^&]+", "state=forged"), Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("auth.sign_in_failed", await forged.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);

        var other = world.Browser(followRedirects: false);
        using var stolen = await other.GetAsync(await CallbackAsync(), Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);

        using var genuine = await browser.GetAsync(await CallbackAsync(), Cancel);
        Assert.Equal(HttpStatusCode.Redirect, genuine.StatusCode);
        Assert.Equal("/", genuine.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Behind_https_the_cookies_are_secure_and_GitHub_is_given_the_public_callback_url()
    {
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?> { ["PUBLIC_URL"] = "https://specs.example.com" });
        var browser = world.Browser(followRedirects: false);
        using var login = await browser.GetAsync("/auth/login?returnUrl=%2Fpods%2Facme%2Fdev", Cancel);

        Assert.Contains("redirect_uri=" + Uri.EscapeDataString("https://specs.example.com/auth/callback"), login.Headers.Location!.Query, StringComparison.Ordinal);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("spec-editor.oauth", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_session_ends_a_fixed_time_after_sign_in_however_active_it_stays()
    {
        var clock = new MovableClock(DateTimeOffset.UtcNow);
        await using var world = await GitHubWorld.StartAsync(configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var alice = await world.SignInAsync(world.Alice);

        // Active all along: a request every 3 hours keeps the 8-hour sliding cookie renewed.
        var signedInAt = clock.GetUtcNow();
        while (clock.GetUtcNow() + TimeSpan.FromHours(3) < signedInAt + SignInRegistration.MaxSessionAge)
        {
            clock.Advance(TimeSpan.FromHours(3));
            Assert.True((await alice.GetFromJsonAsync<GitHubWorld.Session>("/api/me", Cancel))!.SignedIn, $"signed out at {clock.GetUtcNow() - signedInAt}");
        }

        clock.Advance(signedInAt + SignInRegistration.MaxSessionAge + TimeSpan.FromMinutes(1) - clock.GetUtcNow());
        Assert.False((await alice.GetFromJsonAsync<GitHubWorld.Session>("/api/me", Cancel))!.SignedIn);
        var dev = await world.App.Client.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        using var save = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(dev, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, save.StatusCode);
    }

    [Theory]
    [InlineData("//evil.example.com/x")]
    [InlineData("/\\evil.example.com/x")]
    [InlineData("/\t/evil.example.com/x")] // browsers drop the tab and follow "//evil.example.com/x"
    [InlineData("https://evil.example.com/x")]
    public async Task Only_a_local_path_is_followed_after_signing_in(string returnUrl)
    {
        await using var world = await GitHubWorld.StartAsync();
        world.Fake.BrowserUser = world.Alice;
        var browser = world.Browser();
        using var response = await browser.GetAsync("/auth/login?returnUrl=" + Uri.EscapeDataString(returnUrl), Cancel);
        Assert.Equal(world.App.BaseAddress.Authority, response.RequestMessage!.RequestUri!.Authority);
        Assert.Equal("/", response.RequestMessage.RequestUri.AbsolutePath);
    }

    [Fact]
    public async Task Only_members_of_the_allowed_teams_may_sign_in_or_use_the_API()
    {
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?>
        {
            ["GH_ALLOWED_TEAMS"] = "acme/platform",
            ["GH_ALLOWED_ORGS"] = "globex",
            ["GH_OAUTH_SCOPES"] = "repo",
        });
        world.Alice.Teams.Add("acme/platform");
        await world.SignInAsync(world.Alice);
        var carol = world.Fake.AddUser("carol");
        carol.Orgs.Add("globex");
        await world.SignInAsync(carol);
        Assert.Contains(world.Fake.Calls, c => c.Path == "/login/oauth/authorize" && c.Query.Contains("read%3Aorg", StringComparison.Ordinal));

        world.Fake.BrowserUser = world.Bob;
        var bob = world.Browser();
        using var refused = await bob.GetAsync("/auth/login", Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var page = await refused.Content.ReadAsStringAsync(Cancel);
        Assert.Contains("auth.not_allowed", page, StringComparison.Ordinal);
        Assert.Contains("globex, @acme/platform", page, StringComparison.Ordinal);
        Assert.False((await bob.GetFromJsonAsync<GitHubWorld.Session>("/api/me", Cancel))!.SignedIn);

        using var api = await world.ApiClient(world.Bob, "repo", "read:org").GetAsync("/api/pods", Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Equal("auth.not_allowed", (await api.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_member_of_more_teams_than_one_page_lists_is_allowed_by_a_team_on_a_later_page()
    {
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?> { ["GH_ALLOWED_TEAMS"] = "acme/platform" });
        world.Alice.Teams.AddRange(Enumerable.Range(0, 150).Select(i => $"acme/team-{i:D3}"));
        world.Alice.Teams.Add("acme/platform");
        var since = world.Fake.Calls.Count;

        using var api = await world.ApiClient(world.Alice, "repo", "read:org").GetAsync("/api/pods", Cancel);

        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(2, world.ApiCalls(since).Count(c => c.Path.EndsWith("/user/teams", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_protected_environment_can_only_be_changed_by_the_listed_users_and_teams()
    {
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?> { ["GH_PROTECTED_ENVIRONMENTS"] = "prd=bob,@acme/sre" });
        var carol = world.Fake.AddUser("carol", "Carol", "carol@example.com");
        carol.Teams.Add("acme/sre");
        var alice = await world.SignInAsync(world.Alice);
        var prd = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/prd", Cancel);

        var panel = Specs.GitHub.ChangeStatusTests.Section(await alice.GetStringAsync("/pods/acme/prd", Cancel), "github-status");
        Assert.Contains("only bob, @acme/sre may change it", panel, StringComparison.Ordinal);

        var before = world.Fake.Calls.Count;
        using var refused = await alice.PostAsJsonAsync("/api/pods/acme/prd/changes", Edit(prd, "m6i.xlarge"), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("auth.environment_protected", (await refused.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());
        Assert.DoesNotContain(world.ApiCalls(before), c => c.IsWrite);

        var dev = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        using var allowedElsewhere = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(dev, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, allowedElsewhere.StatusCode);

        using var byTeam = await world.ApiClient(carol, "repo", "read:org").PostAsJsonAsync("/api/pods/acme/prd/changes", Edit(prd, "m6i.xlarge"), Cancel);
        Assert.Equal(HttpStatusCode.Created, byTeam.StatusCode);
        Assert.Equal("carol", world.Repo.Pulls.Single(p => p.Head.StartsWith("spec-editor/acme/prd/", StringComparison.Ordinal)).Author.Login);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    private sealed class MovableClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
