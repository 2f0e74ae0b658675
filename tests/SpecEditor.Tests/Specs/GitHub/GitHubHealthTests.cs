using System.Net;
using System.Text.Json;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Specs.GitHub;

public sealed class GitHubHealthTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Readiness_reports_GitHub_reachability_token_scopes_and_remaining_rate_limit_and_liveness_never_calls_GitHub()
    {
        await using var world = await GitHubWorld.StartAsync();
        var ready = await world.App.GetJsonAsync<JsonElement>("/health/ready");
        var github = ready.GetProperty("checks").GetProperty("github");
        Assert.Equal("Healthy", github.GetProperty("status").GetString());
        var data = github.GetProperty("data");
        Assert.Equal("repo", data.GetProperty("tokenScopes").GetString());
        Assert.Equal("5000", data.GetProperty("rateLimitLimit").GetString());
        // The store check runs beside this one and may spend one request first.
        Assert.InRange(int.Parse(data.GetProperty("rateLimitRemaining").GetString()!, System.Globalization.CultureInfo.InvariantCulture), 4998, 5000);
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
        Assert.DoesNotContain(world.ServiceToken, ready.GetRawText(), StringComparison.Ordinal);

        var before = world.Fake.Calls.Count;
        using var live = await world.App.Client.GetAsync("/health/live", Cancel);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(before, world.Fake.Calls.Count);
    }

    [Fact]
    public async Task Readiness_is_degraded_when_less_than_a_tenth_of_the_rate_limit_is_left()
    {
        await using var world = await GitHubWorld.StartAsync();
        world.Fake.RateLimitOf("spec-bot").Remaining = 300;

        var ready = await world.App.GetJsonAsync<JsonElement>("/health/ready");
        var github = ready.GetProperty("checks").GetProperty("github");
        Assert.Equal("Degraded", github.GetProperty("status").GetString());
        Assert.Matches("(299|300)/5000 requests left", github.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Liveness_answers_even_when_GitHub_is_down()
    {
        await using var world = await GitHubWorld.StartAsync();
        await world.Fake.DisposeAsync();
        using var live = await world.App.Client.GetAsync("/health/live", Cancel);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Without_GH_TOKEN_readiness_asks_GitHub_about_a_private_repository_once_not_on_every_probe()
    {
        await using var world = await GitHubWorld.StartAsync(withServiceToken: false);
        var since = world.Fake.Calls.Count;

        for (var probe = 0; probe < 3; probe++)
        {
            var ready = await world.App.GetJsonAsync<JsonElement>("/health/ready");
            var store = ready.GetProperty("checks").GetProperty("store");
            Assert.Equal("Healthy", store.GetProperty("status").GetString());
            Assert.Contains("not visible without a token", store.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        Assert.Single(world.ApiCalls(since), c => c.Path.EndsWith($"/repos/{GitHubWorld.Repository}", StringComparison.Ordinal));
    }
}
