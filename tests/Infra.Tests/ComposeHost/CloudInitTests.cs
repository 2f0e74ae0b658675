using System.Collections.Concurrent;
using SpecEditor.Infra.ComposeHost;
using SpecEditor.Infra.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace SpecEditor.Infra.Tests.ComposeHost;

public sealed class CloudInitTests
{
    private const string Digest = "sha256:feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface";

    public static TheoryData<string> Registries => new() { "ghcr", "ecr" };

    [Theory]
    [MemberData(nameof(Registries))]
    public async Task The_user_data_passes_cloud_init_schema_validation(string registry)
    {
        var cloudInit = Requires.Command("cloud-init", "cloud-init");
        var userData = await UserDataAsync(registry);
        using var folder = new TempDirectory("infra-tests");
        await File.WriteAllTextAsync(folder.File("user-data.yaml"), userData, TestContext.Current.CancellationToken);

        var (exitCode, output) = await RunAsync(cloudInit, "schema", "--config-file", folder.File("user-data.yaml"));

        Assert.True(exitCode == 0, output);
        Assert.Contains("Valid cloud-config", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_schema_check_does_reject_a_broken_cloud_config()
    {
        var cloudInit = Requires.Command("cloud-init", "cloud-init");
        using var folder = new TempDirectory("infra-tests");
        // What a careless edit of the renderer could produce: unquoted permissions and an unknown encoding.
        var broken = (await UserDataAsync("ecr")).Replace("permissions: '0644'", "permissions: 644", StringComparison.Ordinal).Replace("encoding: b64", "encoding: b65", StringComparison.Ordinal);
        await File.WriteAllTextAsync(folder.File("user-data.yaml"), broken, TestContext.Current.CancellationToken);

        var (exitCode, output) = await RunAsync(cloudInit, "schema", "--config-file", folder.File("user-data.yaml"));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("write_files", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Registries))]
    public async Task The_compose_file_written_on_the_host_is_byte_identical_to_app_compose_yaml(string registry)
    {
        var files = WrittenFiles(await UserDataAsync(registry));

        Assert.Equal(await File.ReadAllBytesAsync(RepositoryRoot.File("app", "compose.yaml"), TestContext.Current.CancellationToken), files[CloudInit.ComposePath]);
    }

    [Fact]
    public async Task The_compose_variables_select_the_digest_publish_the_port_and_point_at_the_runtime_env_file()
    {
        var files = WrittenFiles(await UserDataAsync("ghcr"));

        var composeEnv = EnvFile(files[CloudInit.ComposeEnvPath]);
        Assert.Equal("ghcr.io/acme-platform/spec-editor@" + Digest, composeEnv[ComposeContract.ImageVariable]);
        Assert.Equal("8080", composeEnv[ComposeContract.PortVariable]);
        Assert.Equal("0.0.0.0", composeEnv[ComposeContract.BindAddressVariable]);
        Assert.Equal(CloudInit.RuntimeDirectory + "/app.env", composeEnv[ComposeContract.EnvFileVariable]);
    }

    [Fact]
    public async Task The_host_lets_the_app_start_automation_jobs_on_its_docker_engine()
    {
        var files = WrittenFiles(await UserDataAsync("ghcr"));

        Assert.Equal(CloudInit.AutomationWorkDir, EnvFile(files[CloudInit.ComposeEnvPath])[ComposeContract.AutomationWorkDirVariable]);
        var start = System.Text.Encoding.UTF8.GetString(files[CloudInit.StartScriptPath]);
        Assert.Contains($"install -d -m 0750 -o 1654 -g 1654 {CloudInit.AutomationWorkDir}", start, StringComparison.Ordinal);
        Assert.Contains("DOCKER_GID=$(stat -c %g /var/run/docker.sock)", start, StringComparison.Ordinal);
        Assert.True(start.IndexOf("export DOCKER_GID", StringComparison.Ordinal) < start.IndexOf("docker compose --env-file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task App_compose_yaml_reads_every_variable_the_host_sets()
    {
        var compose = await File.ReadAllTextAsync(RepositoryRoot.File("app", "compose.yaml"), TestContext.Current.CancellationToken);

        foreach (var variable in new[] { ComposeContract.ImageVariable, ComposeContract.PortVariable, ComposeContract.BindAddressVariable, ComposeContract.EnvFileVariable, ComposeContract.AutomationWorkDirVariable, ComposeContract.DockerGroupVariable })
        {
            Assert.Contains("${" + variable, compose, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_non_secret_env_file_holds_the_settings_and_the_public_url()
    {
        var files = WrittenFiles(await UserDataAsync("ecr"));

        var app = EnvFile(files[CloudInit.AppEnvPath]);
        Assert.Equal("github", app["SPEC_STORE"]);
        Assert.Equal("acme/specs", app["GH_REPO"]);
        Assert.Equal($"http://{MockCloud.ElasticIp}:8080", app["PUBLIC_URL"]);
        Assert.DoesNotContain("GH_TOKEN", app.Keys);
        Assert.DoesNotContain("DATABASE_URL", app.Keys);
    }

    [Theory]
    [MemberData(nameof(Registries))]
    public async Task Every_script_on_the_host_is_valid_bash(string registry)
    {
        var scripts = WrittenFiles(await UserDataAsync(registry)).Where(file => file.Value.AsSpan().StartsWith("#!/bin/bash\n"u8)).ToList();
        Assert.Equal(4, scripts.Count);
        using var folder = new TempDirectory("infra-tests");

        foreach (var (path, content) in scripts)
        {
            var file = folder.File(Path.GetFileName(path));
            await File.WriteAllBytesAsync(file, content, TestContext.Current.CancellationToken);
            var (exitCode, output) = await RunAsync("/bin/bash", "-n", file);
            Assert.True(exitCode == 0, $"{path}: {output}");
        }
    }

    [Fact]
    public async Task Secrets_and_registry_credentials_are_kept_in_memory_on_the_host()
    {
        var files = WrittenFiles(await UserDataAsync("ghcr"));
        var start = System.Text.Encoding.UTF8.GetString(files[CloudInit.StartScriptPath]);

        Assert.Contains("export DOCKER_CONFIG=/run/spec-editor/docker", start, StringComparison.Ordinal);
        Assert.Contains("env_file=/run/spec-editor/app.env", start, StringComparison.Ordinal);
        Assert.Contains("aws ssm get-parameter --region \"$REGION\" --name \"$1\" --with-decryption", start, StringComparison.Ordinal);
        var host = EnvFile(files[CloudInit.HostEnvPath]);
        Assert.Equal("/spec-editor/dev/registry/ghcr-token", host["REGISTRY_TOKEN_PARAMETER"]);
        Assert.Equal("acme-bot", host["REGISTRY_USERNAME"]);
    }

    [Fact]
    public async Task The_host_installs_docker_and_a_checksum_pinned_compose_plugin_and_starts_the_stack_at_boot()
    {
        var userData = await UserDataAsync("ecr");
        var root = Parse(userData);

        Assert.StartsWith("#cloud-config\n", userData, StringComparison.Ordinal);
        Assert.Equal(["package_update", "packages", "write_files", "runcmd"], root.Children.Keys.Select(key => ((YamlScalarNode)key).Value));
        Assert.Equal(["docker"], ((YamlSequenceNode)root.Children[new YamlScalarNode("packages")]).Children.Select(node => ((YamlScalarNode)node).Value));
        var install = System.Text.Encoding.UTF8.GetString(WrittenFiles(userData)[CloudInit.ComposeInstallScriptPath]);
        Assert.Contains($"releases/download/v{CloudInit.ComposeVersion}/docker-compose-linux-x86_64", install, StringComparison.Ordinal);
        Assert.Contains(CloudInit.ComposeSha256 + "  ", install, StringComparison.Ordinal);
        Assert.Contains("[systemctl, enable, --now, spec-editor.service]", userData, StringComparison.Ordinal);
        var unit = System.Text.Encoding.UTF8.GetString(WrittenFiles(userData)[CloudInit.UnitPath]);
        Assert.Contains("WantedBy=multi-user.target", unit, StringComparison.Ordinal);
    }

    [Fact]
    public void An_env_value_with_a_quote_is_refused()
    {
        Assert.Throws<ArgumentException>(() => CloudInit.EnvFile(new Dictionary<string, string> { ["A"] = "it's" }));
    }

    [Fact]
    public void User_data_over_the_ec2_limit_stops_the_program()
    {
        var boot = new HostBoot
        {
            Stack = "dev",
            Region = MockCloud.Region,
            ComposeFile = new byte[CloudInit.MaxUserDataBytes],
            Image = "ghcr.io/acme/spec-editor@" + Digest,
            HostPort = 8080,
            Environment = new Dictionary<string, string>(),
            Secrets = [],
            Login = new RegistryLogin.Ecr("x"),
            DataVolumeId = MockCloud.DataVolumeId,
        };

        var error = Assert.Throws<Pulumi.RunException>(() => CloudInit.Render(boot));

        Assert.Contains("over EC2's limit of 16384", error.Message, StringComparison.Ordinal);
    }

    // One Pulumi run per registry serves every test here: the user data depends on nothing else.
    private static readonly ConcurrentDictionary<string, Task<string>> UserDataByRegistry = new(StringComparer.Ordinal);

    private static Task<string> UserDataAsync(string registry) =>
        UserDataByRegistry.GetOrAdd(registry, async r =>
            ComposeHostTests.UserData(await StackRun.RunAsync(StackConfigs.For("ec2", r), options: new MockCloudOptions { ImageDigest = Digest })));

    private static YamlMappingNode Parse(string userData)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(userData));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>The files cloud-init writes, by path, decoded as cloud-init would.</summary>
    private static Dictionary<string, byte[]> WrittenFiles(string userData)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in ((YamlSequenceNode)Parse(userData).Children[new YamlScalarNode("write_files")]).Children.Cast<YamlMappingNode>())
        {
            string Field(string name) => entry.Children.TryGetValue(new YamlScalarNode(name), out var node) ? ((YamlScalarNode)node).Value ?? "" : "";
            var content = Field("content");
            files[Field("path")] = Field("encoding") == "b64" ? Convert.FromBase64String(content) : System.Text.Encoding.UTF8.GetBytes(content);
        }

        return files;
    }

    private static Dictionary<string, string> EnvFile(byte[] content) =>
        System.Text.Encoding.UTF8.GetString(content).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1].Trim('\''), StringComparer.Ordinal);

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var run = await ProcessRun.RunAsync(program, arguments);
        return (run.ExitCode, run.Output + run.Error);
    }
}
