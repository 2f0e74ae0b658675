using System.Net.Http.Json;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Auth;

/// <summary>Session keys live in the app database: a session survives a restart and is accepted by every replica on the same database.</summary>
public sealed class SessionKeyTests(PostgresServer postgres)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_session_survives_a_restart_and_works_on_another_replica_sharing_the_SQLite_database()
    {
        using var shared = new TempDirectory("spec-editor-shared-db");
        await AssertSharedSessionsAsync("sqlite://" + Path.Combine(shared.Path, "app.db"));
    }

    [Fact]
    public async Task A_session_survives_a_restart_and_works_on_another_replica_sharing_PostgreSQL()
    {
        await AssertSharedSessionsAsync(await postgres.CreateDatabaseAsync());
    }

    private static async Task AssertSharedSessionsAsync(string databaseUrl)
    {
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?> { ["DATABASE_URL"] = databaseUrl });
        var alice = await world.SignInAsync(world.Alice);

        // Cookies belong to the host, not the port: the same browser reaches the replica with the same session cookie.
        using var replicaData = new TempDirectory("spec-editor-replica");
        var replica = await world.StartAnotherAppAsync(new Dictionary<string, string?> { ["DATA_DIR"] = replicaData.Path });
        var onReplica = await alice.GetFromJsonAsync<GitHubWorld.Session>(new Uri(replica.BaseAddress, "/api/me"), Cancel);
        Assert.Equal("alice", onReplica!.Login);

        await world.App.DisposeAsync();
        using var restartData = new TempDirectory("spec-editor-restart");
        var restarted = await world.StartAnotherAppAsync(new Dictionary<string, string?> { ["DATA_DIR"] = restartData.Path });
        var afterRestart = await alice.GetFromJsonAsync<GitHubWorld.Session>(new Uri(restarted.BaseAddress, "/api/me"), Cancel);
        Assert.Equal("alice", afterRestart!.Login);
    }
}
