using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SpecEditor.GitHubFake;
using SpecEditor.Hosting;

namespace SpecEditor.Benchmarks;

/// <summary>
/// GitHub API calls per user action, counted by the fake GitHub: every request it received, and separately those answered 304
/// (which GitHub does not count against the rate limit), with the default GH_CACHE_SECONDS both inside and after its window.
/// </summary>
public sealed class GitHubCallsBenchmark : IBenchmark
{
    private const int CacheSeconds = 5;
    private const int SamplePods = 6;
    private static readonly TimeSpan Expire = TimeSpan.FromSeconds(CacheSeconds + 1);
    private static readonly string[] Environments = ["dev", "stg", "prd"];

    public string Name => "github-calls";

    public string Description => "GitHub API calls per action (dashboard cold/warm, open pod, pod page, save) against the fake GitHub [--pods N]";

    public async Task<int> RunAsync(string[] args)
    {
        var podCount = args is ["--pods", var n] ? int.Parse(n, CultureInfo.InvariantCulture) : 60;
        await using var fake = await FakeGitHub.StartAsync();
        var repo = fake.CreateRepository("acme/specs");
        var bot = fake.AddUser("spec-bot");
        var alice = fake.AddUser("alice", "Alice", "alice@example.com");
        fake.RegisterOAuthApp("Iv1.bench", "bench-secret-0123456789");
        var pods = Enumerable.Range(0, podCount).Select(i => (Customer: $"customer-{i / 3:00}", Environment: Environments[i % 3])).ToArray();
        var files = pods.ToDictionary(p => $"specs/{p.Customer}/{p.Environment}/spec.yml", p => (string?)Spec(p.Customer, p.Environment));
        files["README.md"] = "# Specs\n";
        repo.Commit("main", files, "Seed");

        var data = Directory.CreateTempSubdirectory("spec-editor-bench-");

        // The app's clock is moved by hand, so "within GH_CACHE_SECONDS" and "after it" are exact, not timing luck.
        var clock = new ManualClock();
        var app = SpecEditorApp.Create([], new Dictionary<string, string?>
        {
            ["DATA_DIR"] = data.FullName,
            ["PORT"] = "0",
            ["SPEC_STORE"] = "github",
            ["GH_REPO"] = "acme/specs",
            ["GH_API_URL"] = fake.ApiUrl.ToString(),
            ["GH_WEB_URL"] = fake.WebUrl.ToString(),
            ["GH_TOKEN"] = fake.IssueToken(bot, "repo"),
            ["GH_OAUTH_CLIENT_ID"] = "Iv1.bench",
            ["GH_OAUTH_CLIENT_SECRET"] = "bench-secret-0123456789",
            ["GH_CACHE_SECONDS"] = CacheSeconds.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        }, builder => builder.Services.AddSingleton<TimeProvider>(clock));
        try
        {
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using var visitor = new HttpClient { BaseAddress = address };
            using var writer = new HttpClient { BaseAddress = address };
            writer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fake.IssueToken(alice, "repo"));

            // Who the token belongs to is asked once and remembered; that sign-in cost is not part of any action below.
            (await writer.GetAsync(new Uri("/api/me", UriKind.Relative))).EnsureSuccessStatusCode();

            var results = new List<Result>();
            Task Get(string path) => visitor.GetStringAsync(new Uri(path, UriKind.Relative));
            var cold = await MeasureAsync(fake, () => Get("/"));
            results.Add(new("dashboard, cold", cold, "<= 2 calls", cold.All <= 2));
            var warm = await MeasureAsync(fake, () => Get("/"));
            results.Add(new($"dashboard, warm (< {CacheSeconds} s later)", warm, "0 rate-limited", warm.RateLimited == 0));
            clock.Advance(Expire);
            var revalidated = await MeasureAsync(fake, () => Get("/"));
            results.Add(new($"dashboard, warm (> {CacheSeconds} s later)", revalidated, "0 rate-limited", revalidated.RateLimited == 0));

            // Opening pods right after the dashboard, as people do: the branch and pull request reads are fresh.
            var opens = new List<Count>();
            foreach (var (customer, environment) in pods.Skip(SamplePods).Take(SamplePods))
            {
                opens.Add(await MeasureAsync(fake, () => Get($"/api/pods/{customer}/{environment}")));
            }

            var open = Max(opens);
            results.Add(new("open a pod", open, "<= 1 call", open.All <= 1));
            var reopen = await MeasureAsync(fake, () => Get($"/api/pods/{pods[SamplePods].Customer}/{pods[SamplePods].Environment}"));
            results.Add(new("open the same pod again", reopen, "0 calls", reopen.All == 0));
            clock.Advance(Expire);
            var openStale = await MeasureAsync(fake, () => Get($"/api/pods/{pods[^2].Customer}/{pods[^2].Environment}"));
            results.Add(new($"open a pod, cached reads > {CacheSeconds} s old", openStale, "<= 1 rate-limited", openStale.RateLimited <= 1));

            // Saving: the pod is read (preview), then saved; every other save happens after the cached reads went stale.
            var saves = new List<Count>();
            var stale = new List<Count>();
            foreach (var (index, (customer, environment)) in pods.Take(SamplePods).Index())
            {
                var path = $"/api/pods/{customer}/{environment}";
                var pod = await visitor.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative));
                var edit = new { version = pod.GetProperty("version").GetString(), values = new Dictionary<string, string> { ["spec.compute.instance_type"] = "t3.large" } };
                if (index % 2 == 1)
                {
                    clock.Advance(Expire);
                }

                var save = await MeasureAsync(fake, async () => (await writer.PostAsJsonAsync(new Uri(path + "/changes", UriKind.Relative), edit)).EnsureSuccessStatusCode());
                (index % 2 == 0 ? saves : stale).Add(save);
                clock.Advance(Expire);
            }

            var saved = Max(saves);
            var savedStale = Max(stale);
            results.Add(new("save a change (incl. pull request)", saved, "<= 6 calls", saved.All <= 6));
            results.Add(new($"save, cached reads > {CacheSeconds} s old", savedStale, "<= 6 rate-limited", savedStale.RateLimited <= 6));

            var unsaved = pods[^1];
            results.Add(new("pod page, no pull request", await MeasureAsync(fake, () => Get($"/pods/{unsaved.Customer}/{unsaved.Environment}")), "(none)", true));
            var page = $"/pods/{pods[0].Customer}/{pods[0].Environment}";
            results.Add(new("pod page with open PR, cold", await MeasureAsync(fake, () => Get(page)), "(none)", true));
            clock.Advance(Expire);
            var pageWarm = await MeasureAsync(fake, () => Get(page));
            results.Add(new("pod page with open PR, warm", pageWarm, "0 rate-limited", pageWarm.RateLimited == 0));

            Console.WriteLine($"github-calls: {podCount} pods, GH_CACHE_SECONDS={CacheSeconds}; open/save: worst of {SamplePods} pods; calls counted by the fake GitHub");
            Console.WriteLine($"{"action",-38} {"calls",6} {"304s",6} {"rate-limited",13}  target");
            foreach (var result in results)
            {
                Console.WriteLine($"{result.Action,-38} {result.Count.All,6} {result.Count.NotModified,6} {result.Count.RateLimited,13}  {result.Target}{(result.Met ? "" : "  MISSED")}");
            }

            Console.WriteLine("save: " + string.Join(", ", saved.Calls));
            return 0;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            data.Delete(recursive: true);
        }
    }

    private static async Task<Count> MeasureAsync(FakeGitHub fake, Func<Task> action)
    {
        var before = fake.Calls.Count;
        await action();
        var calls = fake.Calls.Skip(before).Where(c => !c.Path.StartsWith("/login/", StringComparison.Ordinal)).ToArray();
        return new Count(calls.Length, calls.Count(c => c.Status == 304), calls.Select(c => $"{c.Method} {c.Path.Split('/').Last()} {c.Status}").ToArray());
    }

    private static Count Max(List<Count> counts) => counts.MaxBy(c => (c.All, c.RateLimited))!;

    private static string Spec(string customer, string environment) =>
        $"""
        metadata:
          customer: {customer}
          environment: {environment}
        spec:
          compute:
            instance_name: {customer}-{environment}
            instance_type: t3.small
          security:
            waf:
              enabled: false

        """;

    private sealed record Result(string Action, Count Count, string Target, bool Met);

    private sealed record Count(int All, int NotModified, string[] Calls)
    {
        public int RateLimited => All - NotModified;
    }
}

/// <summary>A clock the benchmark moves forward itself.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
