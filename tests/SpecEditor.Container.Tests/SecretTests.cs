using System.Security.Cryptography;
using SpecEditor.Container.Tests.Support;

namespace SpecEditor.Container.Tests;

/// <summary>No secret in any layer: not from the build context, not from a running container's environment.</summary>
public sealed class SecretTests(SpecEditorImage image)
{
    // Found in every image that holds libc: proves the scan really reads the layers' file contents.
    private const string Control = "GLIBC_2.";

    [Fact]
    public async Task Secrets_in_the_build_context_reach_no_layer_of_the_image_or_of_its_build_stage()
    {
        var built = await image.GetAsync();

        foreach (var tag in new[] { built.Tag, built.BuildStageTag })
        {
            var scan = await TarScanner.ScanImageAsync(tag, [built.ContextSecret, Control]);

            Assert.Contains(scan.Hits, hit => hit.Contains(Control, StringComparison.Ordinal));
            Assert.DoesNotContain(scan.Hits, hit => hit.Contains(built.ContextSecret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Secrets_passed_at_run_time_reach_no_layer_no_data_file_and_no_log_line()
    {
        var built = await image.GetAsync();
        string[] secrets = [Secret("ghp_"), Secret("oauth-"), Secret("pw-")];
        await using var volume = new DockerVolume();
        await using var container = await RunningContainer.StartAsync(built.Tag,
            "--env", $"GH_TOKEN={secrets[0]}",
            "--env", $"GH_OAUTH_CLIENT_SECRET={secrets[1]}",
            "--env", $"POSTGRES_PASSWORD={secrets[2]}",
            "--volume", $"{volume.Name}:/data");
        await container.WaitHealthyAsync();

        // Use it: pages, API reads and a write that touches the git store and the database.
        foreach (var path in new[] { "", "api/pods", "api/pods/acme/dev", "changes", "health/ready" })
        {
            using var response = await container.Client.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"GET /{path} answered {(int)response.StatusCode}");
        }

        await SpecEditorApi.CreatePodAsync(container.Client, "secretscan", "scanned-pod");

        // The container's own layer (committed), on top of every image layer.
        var committed = $"spec-editor-test-committed:{Guid.NewGuid():N}";
        await Cli.RunAsync("docker", ["commit", container.Name, committed]);
        try
        {
            var layers = await TarScanner.ScanImageAsync(committed, [.. secrets, Control]);
            Assert.Contains(layers.Hits, hit => hit.Contains(Control, StringComparison.Ordinal));
            Assert.DoesNotContain(layers.Hits, hit => secrets.Any(s => hit.Contains(s, StringComparison.Ordinal)));
        }
        finally
        {
            await Cli.TryRunAsync("docker", ["rmi", "--force", committed]);
        }

        // The data volume: the git store, the database, the data-protection keys. The pod written above must be found.
        var data = await TarScanner.ScanContainerPathAsync(container.Name, "/data", [.. secrets, "scanned-pod"]);
        Assert.Contains(data.Hits, hit => hit.Contains("scanned-pod", StringComparison.Ordinal));
        Assert.DoesNotContain(data.Hits, hit => secrets.Any(s => hit.Contains(s, StringComparison.Ordinal)));

        var logs = await container.LogsAsync();
        Assert.DoesNotContain(secrets, secret => logs.Contains(secret, StringComparison.Ordinal));
    }

    private static string Secret(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(18));
}
