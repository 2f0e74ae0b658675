using System.Diagnostics;
using SpecEditor.Workflows.Tests.TestSupport;

namespace SpecEditor.Workflows.Tests.Scripts;

/// <summary>
/// container-smoke.sh, the CI step that starts the built image and waits for its HEALTHCHECK, against small images made
/// here from busybox (no image can be pulled on a test machine): one that turns healthy, one that never does, one with
/// no health check. Each test's image and containers are removed afterwards.
/// </summary>
public sealed class ContainerSmokeTests : IAsyncLifetime
{
    private readonly string _tag = $"workflows-test/smoke-{Guid.NewGuid():N}";
    private readonly TempDirectory _context = new("smoke-image");
    private readonly Script _script = new();
    private string _docker = "docker";

    public ValueTask InitializeAsync()
    {
        _docker = Requires.Command("docker", "docker.io");
        Requires.Docker();
        Requires.Command("busybox", "busybox-static");
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await DockerAsync("image", "rm", "--force", _tag, _tag + "-base");
        _context.Dispose();
        _script.Dispose();
    }

    [Fact]
    public async Task An_image_that_turns_healthy_passes_and_its_container_is_removed()
    {
        await BuildAsync("""HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["/bin/busybox", "test", "-f", "/tmp/ready"]""", ready: true);

        var result = await _script.RunAsync("container-smoke.sh", _tag, "60");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{_tag} is healthy after", result.Output, StringComparison.Ordinal);
        Assert.Equal("", await ContainersAsync());
    }

    [Fact]
    public async Task An_image_that_turns_unhealthy_fails_with_its_log()
    {
        await BuildAsync("""HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["/bin/busybox", "test", "-f", "/tmp/ready"]""", ready: false);

        var result = await _script.RunAsync("container-smoke.sh", _tag, "60");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is 'running unhealthy'", result.Error, StringComparison.Ordinal);
        Assert.Contains("starting, never ready", result.Error, StringComparison.Ordinal);
        Assert.Equal("", await ContainersAsync());
    }

    [Fact]
    public async Task An_image_without_a_health_check_is_refused()
    {
        await BuildAsync("", ready: true);

        var result = await _script.RunAsync("container-smoke.sh", _tag, "60");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("declares no HEALTHCHECK", result.Error, StringComparison.Ordinal);
    }

    /// <summary>A busybox root imported as a base, and on it an image whose command writes /tmp/ready (or not).</summary>
    private async Task BuildAsync(string healthcheck, bool ready)
    {
        var root = Path.Combine(_context.Path, "root");
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        Directory.CreateDirectory(Path.Combine(root, "tmp"));
        File.Copy(Requires.Command("busybox", "busybox-static"), Path.Combine(root, "bin", "busybox"));
        var tar = Path.Combine(_context.Path, "root.tar");
        Assert.Equal(0, (await RunAsync("tar", "-C", root, "-cf", tar, ".")).ExitCode);
        Assert.Equal(0, (await DockerAsync("import", tar, _tag + "-base")).ExitCode);

        var command = ready ? "echo starting; /bin/busybox touch /tmp/ready" : "echo starting, never ready";
        _context.Write("image/Dockerfile", $"""
            FROM {_tag}-base
            {healthcheck}
            CMD ["/bin/busybox", "sh", "-c", "{command}; exec /bin/busybox sleep 600"]
            """);
        var build = await DockerAsync("build", "--quiet", "--tag", _tag, Path.Combine(_context.Path, "image"));
        Assert.True(build.ExitCode == 0, build.ToString());
    }

    private async Task<string> ContainersAsync() => (await DockerAsync("ps", "--all", "--quiet", "--filter", $"ancestor={_tag}")).Output.Trim();

    // The classic builder: BuildKit would try to resolve the base image's metadata from a registry.
    private Task<ProcessRun> DockerAsync(params string[] arguments) =>
        ProcessRun.RunAsync(new ProcessStartInfo(_docker) { Environment = { ["DOCKER_BUILDKIT"] = "0" } }, arguments);

    private static Task<ProcessRun> RunAsync(string program, params string[] arguments) => ProcessRun.RunAsync(new ProcessStartInfo(program), arguments);
}
