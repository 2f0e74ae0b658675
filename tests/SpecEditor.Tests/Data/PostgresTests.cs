using System.Net;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Data;

/// <summary>The same behaviour on PostgreSQL: migrations apply, changes are recorded, one open change per pod holds under races.</summary>
public sealed class PostgresTests(PostgresServer postgres)
{
    [Fact]
    public async Task The_spec_editor_runs_on_postgresql()
    {
        var url = await postgres.CreateDatabaseAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["DATABASE_URL"] = url });

        var (_, ready) = await app.Client.GetJsonAsync("/health/ready");
        Assert.Equal("postgres answers", ready.GetProperty("checks").GetProperty("database").Str("description"));
        var version = await app.Client.VersionAsync("acme/dev");
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            app.Client.PostJsonAsync("/api/pods/acme/dev/changes", new { version, values = new Dictionary<string, object> { ["spec.compute.instance_type"] = "t3.large" } })));
        Assert.Single(results, r => r.Status == HttpStatusCode.Created);
        var id = results.Single(r => r.Status == HttpStatusCode.Created).Body.Str("id");
        var (_, merged) = await app.Client.PostJsonAsync($"/api/changes/{id}/merge", null);
        Assert.Equal("merged", merged.Str("state"));
    }

    [Fact]
    public async Task Two_instances_starting_together_migrate_once()
    {
        var url = await postgres.CreateDatabaseAsync();

        var apps = await Task.WhenAll(TestApp.StartAsync(new Dictionary<string, string?> { ["DATABASE_URL"] = url }), TestApp.StartAsync(new Dictionary<string, string?> { ["DATABASE_URL"] = url }));

        foreach (var app in apps)
        {
            var (status, _) = await app.Client.GetJsonAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, status);
            await app.DisposeAsync();
        }
    }
}
