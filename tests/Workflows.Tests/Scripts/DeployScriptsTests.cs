using System.Net;
using SpecEditor.Workflows.Tests.TestSupport;

namespace SpecEditor.Workflows.Tests.Scripts;

/// <summary>stack-outputs.sh and smoke-check.sh: what a deploy job reports and how it decides the deploy answers.</summary>
public sealed class DeployScriptsTests : IDisposable
{
    private readonly Script _script = new();

    public void Dispose() => _script.Dispose();

    [Fact]
    public async Task The_outputs_go_to_the_summary_with_secrets_still_masked_and_the_urls_to_the_next_steps()
    {
        _script.Pulumi.Answer("stack-output", """
            {
              "appUrl": "http://a1b2.elb.us-east-1.amazonaws.com:8080",
              "healthUrl": "http://a1b2.elb.us-east-1.amazonaws.com:8080/health/ready",
              "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/spec-editor/prod@sha256:4f1c0e8d9a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d",
              "kubeconfig": "[secret]",
              "target": "eks",
              "replicas": 2,
              "note": "a|b"
            }
            """);

        var result = await _script.RunAsync("stack-outputs.sh", "prod");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["stack output --stack prod --json"], _script.Pulumi.Calls);
        var summary = _script.Summary.Split('\n');
        Assert.Equal("### Stack `prod`", summary[0]);
        Assert.Contains("| `appUrl` | http://a1b2.elb.us-east-1.amazonaws.com:8080 |", summary);
        Assert.Contains("| `kubeconfig` | [secret] |", summary);
        Assert.Contains("| `replicas` | 2 |", summary);
        Assert.Contains("| `note` | a\\|b |", summary);
        Assert.Equal("http://a1b2.elb.us-east-1.amazonaws.com:8080/health/ready", _script.Outputs["health-url"]);
        Assert.Equal("http://a1b2.elb.us-east-1.amazonaws.com:8080", _script.Outputs["app-url"]);
        Assert.Equal("sha256:4f1c0e8d9a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d", _script.Outputs["image-digest"]);
    }

    [Fact]
    public async Task A_stack_without_a_health_url_gives_an_empty_one_which_the_smoke_check_refuses()
    {
        _script.Pulumi.Answer("stack-output", """{"target": "ec2"}""");

        await _script.RunAsync("stack-outputs.sh", "dev");
        var smoke = await _script.RunAsync("smoke-check.sh", _script.Outputs["health-url"], "1", "0");

        Assert.Equal("", _script.Outputs["health-url"]);
        Assert.Equal(1, smoke.ExitCode);
        Assert.Contains("no healthUrl output", smoke.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_smoke_check_waits_through_refused_connections_and_errors_until_the_app_answers()
    {
        using var server = new HealthServer(failuresBeforeHealthy: 3);

        var result = await _script.RunAsync("smoke-check.sh", server.Url, "30", "0.2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{server.Url} answered 200 after 4 attempt(s):", result.Output, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"Healthy\"", result.Output, StringComparison.Ordinal);
        Assert.Contains("attempt 1: 503", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_smoke_check_fails_when_the_app_never_answers_in_time()
    {
        using var server = new HealthServer(failuresBeforeHealthy: int.MaxValue);

        var result = await _script.RunAsync("smoke-check.sh", server.Url, "2", "0.3");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("did not answer with a 2xx status within 2s (last: 503)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_smoke_check_counts_a_refused_connection_as_not_answering()
    {
        var port = LoopbackPort.Free();

        var result = await _script.RunAsync("smoke-check.sh", $"http://127.0.0.1:{port}/health/ready", "1", "0.2");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("attempt 1: no answer", result.Output, StringComparison.Ordinal);
        Assert.Contains("(last: no answer)", result.Error, StringComparison.Ordinal);
    }


    /// <summary>A health endpoint on 127.0.0.1 that answers 503 a number of times, then 200 with a JSON body.</summary>
    private sealed class HealthServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private int _remainingFailures;

        public HealthServer(int failuresBeforeHealthy)
        {
            _remainingFailures = failuresBeforeHealthy;
            var port = LoopbackPort.Free();
            Url = $"http://127.0.0.1:{port}/health/ready";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public void Dispose()
        {
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                var healthy = Interlocked.Decrement(ref _remainingFailures) < 0;
                context.Response.StatusCode = healthy ? 200 : 503;
                var body = System.Text.Encoding.UTF8.GetBytes(healthy ? "{\"status\":\"Healthy\"}" : "{\"status\":\"Unhealthy\"}");
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }
    }
}
