using System.Net;
using System.Net.Sockets;
using System.Text;
using SpecEditor.Tests.Automation;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Observability;

public sealed class MetricsTests
{
    [Fact]
    public async Task Prometheus_scrapes_the_engine_counters_at_metrics()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["AUTOMATION_AGENTS_FILE"] = AgentsFile() });
        await AutomationHarness.SubmitAsync(app.Client, "fails at once: no secret");
        await AutomationHarness.SubmitAsync(app.Client, "fails at once too");

        var text = "";
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !text.Contains("automation_runs_failed_total{otel_scope_name=\"SpecEditor.Automation\"} 2", StringComparison.Ordinal))
        {
            using var response = await app.Client.GetAsync("/metrics", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.True(text.Contains("automation_runs_failed_total{otel_scope_name=\"SpecEditor.Automation\"} 2", StringComparison.Ordinal), text);
        Assert.Contains("# TYPE automation_queue_depth gauge", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatsD_receives_the_engine_counters_when_configured()
    {
        using var statsd = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)statsd.Client.LocalEndPoint!).Port;
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["AUTOMATION_AGENTS_FILE"] = AgentsFile(),
            ["STATSD_HOST"] = $"127.0.0.1:{port}",
            ["STATSD_PREFIX"] = "se",
            ["STATSD_INTERVAL_SECONDS"] = "0.5",
        });

        await AutomationHarness.SubmitAsync(app.Client, "fails at once: no secret");

        var received = new StringBuilder();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        while (!received.ToString().Contains("se.automation.runs.failed:1|c", StringComparison.Ordinal))
        {
            var packet = await statsd.ReceiveAsync(timeout.Token);
            received.Append(Encoding.UTF8.GetString(packet.Buffer)).Append('\n');
        }

        Assert.Contains("se.automation.runs.failed:1|c", received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_statsd_address_stops_startup_naming_the_variable()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestApp.StartAsync(new Dictionary<string, string?> { ["STATSD_HOST"] = "no-port" }));

        Assert.Contains("STATSD_HOST: 'no-port' must be host:port", string.Join('\n', SpecEditor.Hosting.StartupReport.Describe(failure)), StringComparison.Ordinal);
    }

    private static string AgentsFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agents-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, TestAgentImage.AgentsJson("spec-editor-test-agent:none"));
        return path;
    }
}
