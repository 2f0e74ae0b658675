using SpecEditor.Container.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace SpecEditor.Container.Tests;

/// <summary>app/compose.yaml, unmodified, run with Debian's docker-compose (1.29) and the image under test.</summary>
public sealed class ComposeTests(SpecEditorImage image)
{
    [Fact]
    public async Task The_stack_starts_health_gated_serves_on_loopback_and_keeps_data_across_restarts()
    {
        var built = await image.GetAsync();
        await using var stack = await ComposeProject.CreateAsync(new()
        {
            ["SPEC_EDITOR_IMAGE"] = built.Tag,
            ["ECHO_TEXT"] = "echo from the compose test",
            // An app setting, to prove the env file reaches the editor: it signs the changes made through it.
            ["LOCAL_AUTHOR"] = "Compose Test <compose@example.com>",
        });

        await stack.UpAsync();
        var editor = await stack.ContainerIdAsync("spec-editor");
        await DockerCli.WaitHealthyAsync(editor, TimeSpan.FromSeconds(90));

        // The echo service waits for the editor's health: it was started after the editor turned healthy.
        var echo = await stack.ContainerIdAsync("echo");
        var healthyAt = (await DockerCli.InspectAsync("container", editor)).GetProperty("State").GetProperty("Health").GetProperty("Log")
            .EnumerateArray().First(check => check.GetProperty("ExitCode").GetInt32() == 0).GetProperty("End").GetDateTimeOffset();
        var echoStartedAt = (await DockerCli.InspectAsync("container", echo)).GetProperty("State").GetProperty("StartedAt").GetDateTimeOffset();
        Assert.True(echoStartedAt >= healthyAt, $"echo started at {echoStartedAt:O}, before the editor was healthy at {healthyAt:O}");

        // The database profile is off unless asked for.
        var running = await Cli.RunAsync("docker", ["ps", "--filter", $"label=com.docker.compose.project={stack.Project}", "--format", "{{.Label \"com.docker.compose.service\"}}"]);
        Assert.Equal(["echo", "spec-editor"], running.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        // Published on loopback only, by default.
        Assert.Equal($"127.0.0.1:{stack.EditorPort}", (await Cli.RunAsync("docker", ["port", editor, "8080/tcp"])).Stdout.Trim());
        Assert.Equal($"127.0.0.1:{stack.EchoPort}", (await Cli.RunAsync("docker", ["port", echo, "5678/tcp"])).Stdout.Trim());

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.EditorPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal("Healthy", (await SpecEditorApi.GetJsonAsync(client, "health/ready")).GetProperty("status").GetString());
        var changeId = await SpecEditorApi.CreatePodAsync(client, "composed", "survives-restarts");
        Assert.Equal("Compose Test", (await SpecEditorApi.GetJsonAsync(client, $"api/changes/{changeId}")).GetProperty("author").GetString());
        using (var echoClient = new HttpClient())
        {
            Assert.Equal("echo from the compose test\n", await echoClient.GetStringAsync(new Uri($"http://127.0.0.1:{stack.EchoPort}/"), TestContext.Current.CancellationToken));
        }

        // A restart of the stack, then containers replaced from scratch: the named volume keeps the data.
        await stack.ComposeAsync("restart");
        await DockerCli.WaitHealthyAsync(editor, TimeSpan.FromSeconds(90));
        Assert.Equal("survives-restarts", await SpecEditorApi.InstanceNameAsync(client, "composed"));

        await stack.ComposeAsync("down");
        await stack.UpAsync();
        var replaced = await stack.ContainerIdAsync("spec-editor");
        Assert.NotEqual(editor, replaced);
        await DockerCli.WaitHealthyAsync(replaced, TimeSpan.FromSeconds(90));
        Assert.Equal("survives-restarts", await SpecEditorApi.InstanceNameAsync(client, "composed"));
        var change = await SpecEditorApi.GetJsonAsync(client, $"api/changes/{changeId}");
        Assert.Equal("merged", change.GetProperty("state").GetString());
    }

    [Fact]
    public async Task The_editor_runs_hardened_with_a_restart_policy()
    {
        var built = await image.GetAsync();
        await using var stack = await ComposeProject.CreateAsync(new() { ["SPEC_EDITOR_IMAGE"] = built.Tag });

        await stack.UpAsync();
        var host = (await DockerCli.InspectAsync("container", await stack.ContainerIdAsync("spec-editor"))).GetProperty("HostConfig");

        Assert.True(host.GetProperty("ReadonlyRootfs").GetBoolean());
        Assert.Equal(["ALL"], host.GetProperty("CapDrop").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("no-new-privileges:true", host.GetProperty("SecurityOpt").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal("unless-stopped", host.GetProperty("RestartPolicy").GetProperty("Name").GetString());
        Assert.Contains(await MountsAsync(stack, "spec-editor"), m => m.Type == "volume" && m.Destination == "/data" && m.Name.EndsWith("_spec-editor-data", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_an_image_it_stops_with_a_message_naming_the_variable()
    {
        DockerCli.Require();
        await using var stack = await ComposeProject.CreateAsync([]);

        var result = await stack.TryComposeAsync("config");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("set SPEC_EDITOR_IMAGE", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgreSQL_is_an_opt_in_profile_with_a_health_check_and_no_published_port()
    {
        DockerCli.Require();
        await using var stack = await ComposeProject.CreateAsync(new() { ["SPEC_EDITOR_IMAGE"] = "spec-editor:any", ["POSTGRES_PASSWORD"] = "unused" });

        var services = (YamlMappingNode)Yaml((await stack.ComposeAsync("--profile", "postgres", "config")).Stdout)["services"];

        var postgres = (YamlMappingNode)services["postgres"];
        Assert.Equal(["postgres"], ((YamlSequenceNode)postgres["profiles"]).Select(n => n.ToString()));
        Assert.Contains("pg_isready", ((YamlSequenceNode)((YamlMappingNode)postgres["healthcheck"])["test"]).Select(n => n.ToString()));
        Assert.False(postgres.Children.ContainsKey("ports"), "the database must not be published on the host");
        // The editor must start without it: a dependency on a service whose profile is off stops `up` with an error.
        Assert.False(((YamlMappingNode)services["spec-editor"]).Children.ContainsKey("depends_on"));
    }

    private static YamlMappingNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static async Task<IReadOnlyList<(string Type, string Name, string Destination)>> MountsAsync(ComposeProject stack, string service)
    {
        var mounts = (await DockerCli.InspectAsync("container", await stack.ContainerIdAsync(service))).GetProperty("Mounts");
        return mounts.EnumerateArray()
            .Select(m => (m.GetProperty("Type").GetString()!, m.TryGetProperty("Name", out var n) ? n.GetString() ?? "" : "", m.GetProperty("Destination").GetString()!))
            .ToList();
    }
}
