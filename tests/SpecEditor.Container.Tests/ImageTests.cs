using System.Text.Json;
using SpecEditor.Container.Tests.Support;

namespace SpecEditor.Container.Tests;

/// <summary>What the built image declares: who it runs as, how its health is checked, where its data goes, where it came from.</summary>
public sealed class ImageTests(SpecEditorImage image)
{
    [Fact]
    public async Task Runs_as_a_numeric_non_root_user()
    {
        var config = await ConfigAsync();

        var user = config.GetProperty("User").GetString()!;
        Assert.Matches(@"^\d+(:\d+)?$", user); // numeric, so Kubernetes' runAsNonRoot can verify it
        Assert.NotEqual("0", user.Split(':')[0]);
    }

    [Fact]
    public async Task Health_check_is_the_app_binary_in_exec_form()
    {
        var health = (await ConfigAsync()).GetProperty("Healthcheck");

        Assert.Equal(["CMD", "/app/SpecEditor", "healthcheck"], health.GetProperty("Test").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Has_no_shell()
    {
        var built = await image.GetAsync();

        var result = await Cli.TryRunAsync("docker", ["run", "--rm", "--entrypoint", "/bin/sh", built.Tag, "-c", "true"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no such file", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Listens_on_8080_and_keeps_data_in_the_data_volume()
    {
        var config = await ConfigAsync();

        Assert.True(config.GetProperty("ExposedPorts").TryGetProperty("8080/tcp", out _));
        Assert.True(config.GetProperty("Volumes").TryGetProperty("/data", out _));
        var environment = config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("PORT=8080", environment);
        Assert.Contains("LISTEN_ADDRESS=0.0.0.0", environment);
        Assert.Contains("DATA_DIR=/data", environment);
    }

    [Fact]
    public async Task Carries_OCI_labels_from_the_build_arguments()
    {
        var labels = (await ConfigAsync()).GetProperty("Labels");

        Assert.Equal(SpecEditorImage.Source, labels.GetProperty("org.opencontainers.image.source").GetString());
        Assert.Equal(image.Revision, labels.GetProperty("org.opencontainers.image.revision").GetString());
        Assert.Equal(SpecEditorImage.Version, labels.GetProperty("org.opencontainers.image.version").GetString());
        Assert.Equal(image.Created, labels.GetProperty("org.opencontainers.image.created").GetString());
    }

    private async Task<JsonElement> ConfigAsync()
    {
        var built = await image.GetAsync();
        return (await DockerCli.InspectAsync("image", built.Tag)).GetProperty("Config");
    }
}
