using System.Net;
using System.Text.Json;
using SpecEditor.Container.Tests.Support;

namespace SpecEditor.Container.Tests;

/// <summary>The image run the way the compose file and Kubernetes run it.</summary>
public sealed class RunTests(SpecEditorImage image)
{
    [Fact]
    public async Task Turns_healthy_through_its_own_health_check_and_answers_readiness_on_8080()
    {
        var built = await image.GetAsync();
        await using var container = await RunningContainer.StartAsync(built.Tag);

        await container.WaitHealthyAsync();

        // Docker ran the image's check: the app binary printed the readiness answer.
        var health = (await DockerCli.InspectAsync("container", container.Name)).GetProperty("State").GetProperty("Health");
        var lastCheck = health.GetProperty("Log").EnumerateArray().Last();
        Assert.Equal(0, lastCheck.GetProperty("ExitCode").GetInt32());
        Assert.StartsWith("200 {", lastCheck.GetProperty("Output").GetString(), StringComparison.Ordinal);

        using var ready = await container.Client.GetAsync("health/ready", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());

        using var live = await container.Client.GetAsync("health/live", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task The_app_process_runs_as_the_non_root_user()
    {
        var built = await image.GetAsync();
        await using var container = await RunningContainer.StartAsync(built.Tag);
        await container.WaitHealthyAsync();

        // The host's view of the process, not the image's claim.
        var processes = await Cli.RunAsync("docker", ["top", container.Name, "-o", "pid,uid,gid,args"]);
        var app = processes.Stdout.Split('\n').Single(l => l.Contains("/app/SpecEditor", StringComparison.Ordinal) && !l.Contains("healthcheck", StringComparison.Ordinal));
        var columns = app.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1654", columns[1]);
        Assert.Equal("1654", columns[2]);
    }

    [Fact]
    public async Task Works_on_a_read_only_root_filesystem_and_keeps_its_data_in_the_volume()
    {
        var built = await image.GetAsync();
        await using var volume = new DockerVolume();
        string[] readOnly = ["--read-only", "--tmpfs", "/tmp", "--volume", $"{volume.Name}:/data"];

        await using (var first = await RunningContainer.StartAsync(built.Tag, readOnly))
        {
            await first.WaitHealthyAsync();
            await SpecEditorApi.CreatePodAsync(first.Client, "readonly", "kept-on-volume");

            // Nothing the app does at start or on a write may fail for want of a writable path.
            var logs = await first.LogsAsync();
            Assert.DoesNotContain("fail:", logs, StringComparison.Ordinal);
            Assert.DoesNotContain("crit:", logs, StringComparison.Ordinal);
            Assert.DoesNotContain("Read-only file system", logs, StringComparison.Ordinal);
        }

        await using var second = await RunningContainer.StartAsync(built.Tag, readOnly);
        await second.WaitHealthyAsync();
        Assert.Equal("kept-on-volume", await SpecEditorApi.InstanceNameAsync(second.Client, "readonly"));
    }
}
