using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SpecEditor.Container.Tests.Support;

namespace SpecEditor.Container.Tests;

/// <summary>
/// Push and pull by digest through a registry with basic auth (Debian's docker-registry, the reference implementation of
/// the distribution protocol that GHCR and ECR speak), started by .ci/run on 127.0.0.1.
/// </summary>
public sealed partial class RegistryTests(SpecEditorImage image)
{
    [Fact]
    public async Task Pushes_with_credentials_and_pulls_the_same_image_back_by_digest()
    {
        var registry = LocalRegistry.FromEnvironment();
        var built = await image.GetAsync();
        // Credentials go to a throw-away Docker config, never the user's ~/.docker.
        using var dockerConfig = new TempDirectory("docker-config");
        var asUser = new CliOptions { Environment = new Dictionary<string, string?> { ["DOCKER_CONFIG"] = dockerConfig.Path } };
        var name = $"spec-editor-test/{Guid.NewGuid():N}";
        var repository = $"{registry.Address}/{name}";
        await Cli.RunAsync("docker", ["tag", built.Tag, $"{repository}:candidate"]);
        try
        {
            var anonymousPush = await Cli.TryRunAsync("docker", ["push", $"{repository}:candidate"], asUser);
            Assert.NotEqual(0, anonymousPush.ExitCode);

            var wrongPassword = await Cli.TryRunAsync("docker", ["login", registry.Address, "--username", registry.User, "--password-stdin"], asUser with { Stdin = "not-the-password" });
            Assert.NotEqual(0, wrongPassword.ExitCode);

            await LoginAsync(registry, asUser);
            var push = await Cli.RunAsync("docker", ["push", $"{repository}:candidate"], asUser);
            var digest = PushedDigest().Match(push.Stdout).Groups[1].Value;
            Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);

            await AssertRegistryServesImageAsync(registry, name, digest, built.Id);

            // Pull by digest needs the credentials too, and then resolves to exactly the image that was pushed.
            await Cli.RunAsync("docker", ["rmi", $"{repository}:candidate"]);
            await Cli.RunAsync("docker", ["logout", registry.Address], asUser);
            var anonymousPull = await Cli.TryRunAsync("docker", ["pull", $"{repository}@{digest}"], asUser);
            Assert.NotEqual(0, anonymousPull.ExitCode);

            await LoginAsync(registry, asUser);
            await Cli.RunAsync("docker", ["pull", $"{repository}@{digest}"], asUser);
            var pulled = await Cli.RunAsync("docker", ["image", "inspect", "--format", "{{.Id}}", $"{repository}@{digest}"]);
            Assert.Equal(built.Id, pulled.Stdout.Trim());
        }
        finally
        {
            await Cli.TryRunAsync("docker", ["rmi", $"{repository}:candidate"]);
            var references = await Cli.TryRunAsync("docker", ["image", "inspect", "--format", "{{join .RepoDigests \"\\n\"}}", built.Tag]);
            foreach (var reference in references.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(r => r.StartsWith(repository + "@", StringComparison.Ordinal)))
            {
                await Cli.TryRunAsync("docker", ["rmi", reference]);
            }
        }
    }

    private static Task LoginAsync(LocalRegistry registry, CliOptions asUser) =>
        Cli.RunAsync("docker", ["login", registry.Address, "--username", registry.User, "--password-stdin"], asUser with { Stdin = registry.Password });

    /// <summary>The registry's own view, over its HTTP API: the manifest is the digest's content, its config is the image, every blob is what its digest says.</summary>
    private static async Task AssertRegistryServesImageAsync(LocalRegistry registry, string name, string digest, string imageId)
    {
        var cancellation = TestContext.Current.CancellationToken;
        using var client = new HttpClient { BaseAddress = new Uri($"http://{registry.Address}/v2/{name}/") };

        using var anonymous = await client.GetAsync($"manifests/{digest}", cancellation);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{registry.User}:{registry.Password}")));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"manifests/{digest}");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await client.SendAsync(request, cancellation);
        var manifestBytes = await response.Content.ReadAsByteArrayAsync(cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(digest, Sha256(manifestBytes));

        var manifest = JsonDocument.Parse(manifestBytes).RootElement;
        Assert.Equal(imageId, manifest.GetProperty("config").GetProperty("digest").GetString());
        var blobs = manifest.GetProperty("layers").EnumerateArray().Append(manifest.GetProperty("config")).Select(b => b.GetProperty("digest").GetString()!).ToList();
        Assert.True(blobs.Count >= 3, "the image has layers");
        foreach (var blob in blobs)
        {
            var content = await client.GetByteArrayAsync($"blobs/{blob}", cancellation);
            Assert.Equal(blob, Sha256(content));
        }
    }

    private static string Sha256(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    [GeneratedRegex(@"digest: (sha256:[0-9a-f]{64})")]
    private static partial Regex PushedDigest();
}

/// <summary>The registry .ci/run starts (ci_start_registry in .ci/lib.sh): its address and the credentials it accepts.</summary>
public sealed record LocalRegistry(string Address, string User, string Password)
{
    public static LocalRegistry FromEnvironment()
    {
        DockerCli.Require();
        var address = Environment.GetEnvironmentVariable("SPEC_EDITOR_TEST_REGISTRY");
        var user = Environment.GetEnvironmentVariable("SPEC_EDITOR_TEST_REGISTRY_USER");
        var password = Environment.GetEnvironmentVariable("SPEC_EDITOR_TEST_REGISTRY_PASSWORD");
        Requires.Tool(
            address is { Length: > 0 } && user is { Length: > 0 } && password is { Length: > 0 },
            "a local registry with basic auth (SPEC_EDITOR_TEST_REGISTRY, _USER, _PASSWORD; `. .ci/lib.sh && ci_start_registry` starts one)");
        return new LocalRegistry(address!, user!, password!);
    }
}
