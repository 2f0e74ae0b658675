using System.Security.Cryptography;
using System.Text.Json;

namespace SpecEditor.Container.Tests.Support;

/// <summary>
/// The spec editor image, built once per test run with the unmodified app/Dockerfile, from a copy of the repository's files
/// (tracked and new, as `git ls-files` sees them) plus decoys a careless context would leak: a .env and keys holding
/// <see cref="ContextSecret"/>, build outputs, a .git folder. Built on first use, so a filtered run that needs no image
/// builds none; removed at the end.
/// </summary>
public sealed class SpecEditorImage : IAsyncDisposable
{
    public const string Source = "https://example.com/spec-editor/source";
    public const string Version = "9.8.7-test";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private string? _failure;
    private bool _built;

    /// <summary>A secret planted in the build context, which must not reach any layer of the image or its build stage.</summary>
    public string ContextSecret { get; } = "ctx-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public string Revision { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    public string Created { get; } = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The final image.</summary>
    public string Tag => $"spec-editor-test:{_suffix}";

    /// <summary>The build stage (`--target build`), kept to prove the context's secrets stay out of the builder's layers too.</summary>
    public string BuildStageTag => $"spec-editor-test-build:{_suffix}";

    private const string BuildCacheTag = "spec-editor-test-build:cache";

    public string Id { get; private set; } = "";


    /// <summary>The image, built if this is the first test to ask; skips locally (fails in CI) when Docker or the base images are missing.</summary>
    public async Task<SpecEditorImage> GetAsync()
    {
        DockerCli.Require();
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (!_built && _failure is null)
            {
                await RequireBaseImagesAsync();
                try
                {
                    await BuildAsync();
                    _built = true;
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
                {
                    _failure = ex.Message;
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        Assert.True(_failure is null, $"the image did not build: {_failure}");
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        if (_built)
        {
            // The build stage stays tagged as the cache for the next run (its publish step is the slow one); --no-prune
            // keeps the final image's untagged parent layers for the same reason.
            await Cli.TryRunAsync("docker", ["tag", BuildStageTag, BuildCacheTag]);
            await Cli.TryRunAsync("docker", ["rmi", "--force", "--no-prune", Tag, BuildStageTag], new CliOptions { Timeout = TimeSpan.FromMinutes(1) });
        }

        _gate.Dispose();
    }

    private static async Task RequireBaseImagesAsync()
    {
        var dockerfile = await File.ReadAllLinesAsync(RepositoryRoot.File("app", "Dockerfile"), TestContext.Current.CancellationToken);
        var missing = new List<string>();
        foreach (var image in dockerfile.Where(l => l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]))
        {
            if ((await Cli.TryRunAsync("docker", ["image", "inspect", image])).ExitCode != 0)
            {
                missing.Add(image);
            }
        }

        Requires.Tool(missing.Count == 0, $"the base images {string.Join(", ", missing)} (pull them, or create local stand-ins: bash .ci/container-images.sh)");
    }

    private async Task BuildAsync()
    {
        using var context = new TempDirectory("spec-editor-context");
        await CopyRepositoryAsync(context.Path);
        PlantDecoys(context.Path);

        // Offline when the sdk image is the local stand-in, whose seeded NuGet folder must be enough; a real sdk image
        // restores from nuget.org.
        var offline = await IsStandInAsync(await SdkImageAsync());
        string[] common = ["build", "--file", "app/Dockerfile", .. offline ? new[] { "--network", "none" } : []];
        await Cli.RunAsync("docker", [
            .. common, "--tag", Tag,
            "--build-arg", $"SOURCE={Source}", "--build-arg", $"REVISION={Revision}",
            "--build-arg", $"VERSION={Version}", "--build-arg", $"CREATED={Created}", "."],
            new CliOptions { WorkingDirectory = context.Path, Timeout = TimeSpan.FromMinutes(15) });
        await Cli.RunAsync("docker", [.. common, "--target", "build", "--tag", BuildStageTag, "."],
            new CliOptions { WorkingDirectory = context.Path, Timeout = TimeSpan.FromMinutes(15) });
        Id = (await Cli.RunAsync("docker", ["image", "inspect", "--format", "{{.Id}}", Tag])).Stdout.Trim();
    }

    private static async Task<string> SdkImageAsync()
    {
        var dockerfile = await File.ReadAllTextAsync(RepositoryRoot.File("app", "Dockerfile"), TestContext.Current.CancellationToken);
        return dockerfile.Split('\n').First(l => l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase) && l.Contains("/sdk:", StringComparison.Ordinal)).Split(' ')[1];
    }

    private static async Task<bool> IsStandInAsync(string image)
    {
        var labels = await Cli.RunAsync("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", image]);
        return JsonDocument.Parse(labels.Stdout).RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("dev.spec-editor.stand-in", out _);
    }

    private static async Task CopyRepositoryAsync(string target)
    {
        var files = await Cli.RunAsync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], new CliOptions { WorkingDirectory = RepositoryRoot.Path });
        foreach (var file in files.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var source = RepositoryRoot.File(file);
            if (!File.Exists(source))
            {
                continue; // deleted in the working tree but not yet committed
            }

            var destination = Path.Combine(target, file);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination);
        }
    }

    /// <summary>What a developer's checkout holds and an image must never carry.</summary>
    private void PlantDecoys(string root)
    {
        void Plant(string relative, string content)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }

        Plant(".env", $"GH_TOKEN={ContextSecret}\n");
        Plant("app/.env", $"GH_TOKEN={ContextSecret}\n");
        Plant("app/production.env", $"DATABASE_URL=postgres://u:{ContextSecret}@db/x\n");
        Plant("app/signing.key", ContextSecret);
        Plant("app/tls.pfx", ContextSecret);
        Plant(".git/config", $"[remote \"origin\"]\n\turl = https://x-access-token:{ContextSecret}@github.com/o/r.git\n");
        Plant("app/bin/Release/net10.0/leftover.json", ContextSecret);
        Plant("app/obj/leftover.json", ContextSecret);
        Plant("app/.data/spec-editor.db", ContextSecret);
        Plant("artifacts/test-results/result.trx", ContextSecret);
    }

}
