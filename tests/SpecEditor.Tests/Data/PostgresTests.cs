using System.Net;
using System.Net.Sockets;
using SpecEditor.Hosting;
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

    [Fact]
    public async Task Startup_waits_for_a_database_that_comes_up_late()
    {
        var url = new Uri(await postgres.CreateDatabaseAsync());
        var port = LoopbackPort.Free();

        // Nothing listens on the port for the first 1.5 s; then a forwarder to the real server opens it.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var forwarder = Task.Run(
            async () =>
            {
                await Task.Delay(1500, stop.Token);
                await ForwardAsync(port, url.Port, stop.Token);
            },
            stop.Token);
        try
        {
            await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["DATABASE_URL"] = $"postgres://postgres@127.0.0.1:{port}{url.AbsolutePath}" });

            var (status, _) = await app.Client.GetJsonAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => forwarder);
        }
    }

    [Fact]
    public async Task A_database_that_never_answers_stops_startup_with_one_line()
    {
        using var data = new TempDirectory("spec-editor-db");
        var port = LoopbackPort.Free();

        await using var app = SpecEditorApp.Create([], new Dictionary<string, string?>
        {
            ["DATA_DIR"] = data.Path,
            ["PORT"] = "0",
            ["DATABASE_URL"] = $"postgres://editor:s3cret-pass@127.0.0.1:{port}/specs",
            ["DATABASE_STARTUP_TIMEOUT_SECONDS"] = "1",
        });
        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync(TestContext.Current.CancellationToken));

        var line = Assert.Single(StartupReport.Describe(error));
        Assert.StartsWith("DATABASE_URL: cannot reach the PostgreSQL database after", line, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pass", line, StringComparison.Ordinal);
    }

    private static async Task ForwardAsync(int listenPort, int targetPort, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, listenPort);
        listener.Start();
        while (true)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            _ = Task.Run(
                async () =>
                {
                    using (client)
                    using (var server = new TcpClient())
                    {
                        await server.ConnectAsync(IPAddress.Loopback, targetPort, cancellationToken);
                        await using var a = client.GetStream();
                        await using var b = server.GetStream();
                        await Task.WhenAny(a.CopyToAsync(b, cancellationToken), b.CopyToAsync(a, cancellationToken));
                    }
                },
                cancellationToken);
        }
    }
}
