using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using SpecEditor.GitHubFake;

namespace SpecEditor.Tests.TestSupport;

/// <summary>
/// The app on the GitHub store against the fake GitHub: a private repository acme/specs seeded with three pods, a service
/// token for reads, an OAuth app, and users who can sign in. Retries and waits are shortened so fault tests stay quick.
/// </summary>
public sealed class GitHubWorld : IAsyncDisposable
{
    public const string ClientId = "Iv1.fakeclient";
    public const string ClientSecret = "fake-oauth-client-secret-0123456789";
    public const string Repository = "acme/specs";

    private readonly List<HttpClient> _clients = [];
    private readonly List<TestApp> _apps = [];

    private GitHubWorld(FakeGitHub fake, FakeRepository repo, FakeUser bot, string serviceToken)
    {
        Fake = fake;
        Repo = repo;
        Bot = bot;
        ServiceToken = serviceToken;
        Alice = fake.AddUser("alice", "Alice Example", "alice@example.com");
        Bob = fake.AddUser("bob", "Bob Example", null);
    }

    public FakeGitHub Fake { get; }

    public FakeRepository Repo { get; }

    /// <summary>The owner of GH_TOKEN.</summary>
    public FakeUser Bot { get; }

    public string ServiceToken { get; }

    public FakeUser Alice { get; }

    public FakeUser Bob { get; }

    public TestApp App { get; private set; } = null!;

    /// <summary>The settings the app was started with.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; private set; } = new Dictionary<string, string?>();

    /// <summary>A spec file as the local store seeds them, so both stores start from the same kind of file.</summary>
    public static string Spec(string customer, string environment, string instanceType = "t3.small", bool waf = false) =>
        SpecEditor.Specs.Local.LocalStoreSeed.Spec(customer, environment, instanceType, waf);

    /// <param name="settings">Overrides of the GitHub settings (e.g. GH_SAVE_MODE).</param>
    /// <param name="prepare">Runs after seeding, before the app starts.</param>
    /// <param name="withServiceToken">False starts without GH_TOKEN: reads then use the signed-in user's token.</param>
    /// <param name="configure">Last-moment service changes before the app is built (e.g. a clock the test moves).</param>
    public static async Task<GitHubWorld> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, Action<GitHubWorld>? prepare = null, bool withServiceToken = true,
        Action<WebApplicationBuilder>? configure = null)
    {
        var fake = await FakeGitHub.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var repo = fake.CreateRepository(Repository);
        var bot = fake.AddUser("spec-bot", "Spec Bot", "bot@example.com");
        var world = new GitHubWorld(fake, repo, bot, fake.IssueToken(bot, "repo"));
        fake.RegisterOAuthApp(ClientId, ClientSecret);
        repo.Commit("main", new Dictionary<string, string?>
        {
            ["README.md"] = "# Specs\n",
            ["specs/acme/dev/spec.yml"] = Spec("acme", "dev"),
            ["specs/acme/prd/spec.yml"] = Spec("acme", "prd", "m6i.large", waf: true),
            ["specs/globex/dev/spec.yml"] = Spec("globex", "dev", "t3.micro"),
        }, "Seed specs");
        prepare?.Invoke(world);

        var merged = new Dictionary<string, string?>
        {
            ["SPEC_STORE"] = "github",
            ["GH_REPO"] = Repository,
            ["GH_API_URL"] = fake.ApiUrl.ToString(),
            ["GH_WEB_URL"] = fake.WebUrl.ToString(),
            ["GH_TOKEN"] = withServiceToken ? world.ServiceToken : null,
            ["GH_OAUTH_CLIENT_ID"] = ClientId,
            ["GH_OAUTH_CLIENT_SECRET"] = ClientSecret,
            ["GH_CACHE_SECONDS"] = "0",
            ["GH_RETRY_DELAY_MS"] = "20",
            ["GH_TIMEOUT_SECONDS"] = "5",
            ["GH_MAX_WAIT_SECONDS"] = "3",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        world.Settings = merged;
        try
        {
            world.App = await TestApp.StartAsync(merged, configure);
        }
        catch
        {
            await fake.DisposeAsync();
            throw;
        }

        return world;
    }

    /// <summary>Another instance of the app on the same fake GitHub (a replica or a restart), with the same settings plus overrides.</summary>
    public async Task<TestApp> StartAnotherAppAsync(IReadOnlyDictionary<string, string?> overrides)
    {
        var settings = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var app = await TestApp.StartAsync(settings);
        _apps.Add(app);
        return app;
    }

    /// <summary>Signs the user in through the real OAuth redirects (app → GitHub authorize → app callback) and returns their browser-like client.</summary>
    public async Task<HttpClient> SignInAsync(FakeUser user, string returnUrl = "/")
    {
        Fake.BrowserUser = user;
        var client = Browser();
        using var response = await client.GetAsync($"/auth/login?returnUrl={Uri.EscapeDataString(returnUrl)}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(returnUrl.Split('?')[0], response.RequestMessage!.RequestUri!.AbsolutePath);
        var me = await client.GetFromJsonAsync<Session>("/api/me", TestContext.Current.CancellationToken);
        Assert.Equal(user.Login, me!.Login);
        return client;
    }

    /// <summary>A client with cookies that follows redirects, like a browser.</summary>
    public HttpClient Browser(bool followRedirects = true)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = followRedirects })
        {
            BaseAddress = App.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        _clients.Add(client);
        return client;
    }

    /// <summary>An API client authenticating with the user's own GitHub token.</summary>
    public HttpClient ApiClient(FakeUser user, params string[] scopes)
    {
        var client = new HttpClient { BaseAddress = App.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Fake.IssueToken(user, scopes.Length == 0 ? ["repo"] : scopes));
        _clients.Add(client);
        return client;
    }

    /// <summary>Calls to the REST API (not OAuth), optionally only those after <paramref name="since"/> calls.</summary>
    public IReadOnlyList<RecordedCall> ApiCalls(int since = 0) =>
        Fake.Calls.Skip(since).Where(c => !c.Path.StartsWith("/login/", StringComparison.Ordinal)).ToArray();

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        if (App is not null)
        {
            await App.DisposeAsync();
        }

        await Fake.DisposeAsync();
    }

    public sealed record Session(bool SignedIn, string Store, string? Login, string? Name, string? Email);
}
