using System.Net;
using SpecEditor.Health;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Health;

public sealed class HealthTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async ValueTask InitializeAsync() => _app = await TestApp.StartAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Liveness_answers_without_checking_dependencies()
    {
        var (status, body) = await _app.Client.GetJsonAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.Str("status"));
        Assert.Empty(body.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task Readiness_reports_the_database_and_the_store()
    {
        var (status, body) = await _app.Client.GetJsonAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, status);
        var checks = body.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("database").Str("status"));
        Assert.Equal("Healthy", checks.GetProperty("store").Str("status"));
        Assert.Contains("on main", checks.GetProperty("store").Str("description"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_reports_how_long_the_app_has_been_up()
    {
        await Task.Delay(1200, TestContext.Current.CancellationToken);

        var (_, body) = await _app.Client.GetJsonAsync("/health/live");

        Assert.True(body.GetProperty("uptimeSeconds").GetDouble() >= 1, body.ToString());
    }

    [Fact]
    public async Task Readiness_fails_when_the_store_is_gone()
    {
        Directory.Move(_app.RepositoryPath, _app.RepositoryPath + ".moved");
        try
        {
            using var response = await _app.Client.GetAsync("/health/ready", TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("\"store\":{\"status\":\"Unhealthy\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            Assert.Equal(1, await HealthCheckCommand.RunAsync(["--url", new Uri(_app.BaseAddress, "/health/ready").ToString()]));
        }
        finally
        {
            Directory.Move(_app.RepositoryPath + ".moved", _app.RepositoryPath);
        }
    }

    [Fact]
    public async Task The_healthcheck_command_exits_0_when_ready_and_1_when_nothing_answers()
    {
        Assert.Equal(0, await HealthCheckCommand.RunAsync(["--url", new Uri(_app.BaseAddress, "/health/ready").ToString()]));

        var closedPort = LoopbackPort.Free();
        Assert.Equal(1, await HealthCheckCommand.RunAsync(["--url", $"http://127.0.0.1:{closedPort}/health/ready"]));
    }
}
