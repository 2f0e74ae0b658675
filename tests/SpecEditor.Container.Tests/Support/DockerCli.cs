using System.Text.Json;

namespace SpecEditor.Container.Tests.Support;

public static class DockerCli
{
    /// <summary>A Docker engine that answers (skips locally, fails in CI without one).</summary>
    public static void Require()
    {
        Requires.Docker();
        var answers = Cli.TryRunAsync("docker", ["version", "--format", "{{.Server.Version}}"], new CliOptions { Timeout = TimeSpan.FromSeconds(30) })
            .GetAwaiter().GetResult().ExitCode == 0;
        Requires.Tool(answers, "a running Docker engine (docker version cannot reach it)");
    }

    public static async Task<JsonElement> InspectAsync(string kind, string name)
    {
        var result = await Cli.RunAsync("docker", [kind, "inspect", name]);
        return JsonDocument.Parse(result.Stdout).RootElement[0].Clone();
    }


    /// <summary>Waits for Docker's own health status of <paramref name="container"/> to be healthy; fails with its logs if it turns unhealthy or stops.</summary>
    public static async Task WaitHealthyAsync(string container, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var state = "";
        while (DateTime.UtcNow < deadline)
        {
            var inspected = await InspectAsync("container", container);
            var running = inspected.GetProperty("State").GetProperty("Running").GetBoolean();
            state = inspected.GetProperty("State").TryGetProperty("Health", out var health) ? health.GetProperty("Status").GetString()! : "no health check";
            if (state == "healthy")
            {
                return;
            }

            if (!running || state == "unhealthy")
            {
                break;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        var logs = await Cli.TryRunAsync("docker", ["logs", "--tail", "50", container]);
        Assert.Fail($"container {container} is not healthy ({state}) after {timeout.TotalSeconds:0} s; its logs:\n{logs.Output}");
    }
}

/// <summary>A container of the image under test, removed (with its anonymous volumes) on dispose.</summary>
public sealed class RunningContainer : IAsyncDisposable
{
    private RunningContainer(string name, Uri baseAddress)
    {
        Name = name;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Name { get; }

    /// <summary>The container's port 8080, published on 127.0.0.1.</summary>
    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>
    /// <c>docker run -d</c> with <paramref name="options"/>, port 8080 published on a free loopback port. The health check
    /// runs every second instead of the image's 10 s, so tests need not wait; the command checked is still the image's.
    /// </summary>
    public static async Task<RunningContainer> StartAsync(string image, params string[] options)
    {
        var name = "spec-editor-test-" + Guid.NewGuid().ToString("N")[..10];
        var port = LoopbackPort.Free();
        await Cli.RunAsync("docker", ["run", "--detach", "--name", name, "--publish", $"127.0.0.1:{port}:8080", "--health-interval", "1s", .. options, image]);
        return new RunningContainer(name, new Uri($"http://127.0.0.1:{port}/"));
    }

    public Task WaitHealthyAsync() => DockerCli.WaitHealthyAsync(Name, TimeSpan.FromSeconds(60));

    public async Task<string> LogsAsync() => (await Cli.RunAsync("docker", ["logs", Name])).Output;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Cli.TryRunAsync("docker", ["rm", "--force", "--volumes", Name]);
    }
}

/// <summary>A named Docker volume, removed on dispose.</summary>
public sealed class DockerVolume : IAsyncDisposable
{
    public string Name { get; } = "spec-editor-test-" + Guid.NewGuid().ToString("N")[..10];

    public async ValueTask DisposeAsync() => await Cli.TryRunAsync("docker", ["volume", "rm", "--force", Name]);
}
