namespace SpecEditor.Container.Tests.Support;

/// <summary>
/// app/compose.yaml as a user runs it: a project of its own, an env file (here in a temp folder, named by --env-file and
/// SPEC_EDITOR_ENV_FILE, so a developer's app/.env plays no part), free loopback ports. `down --volumes` on dispose.
/// </summary>
public sealed class ComposeProject : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("spec-editor-compose");
    private readonly string _envFile;

    private ComposeProject(Dictionary<string, string> settings)
    {
        _envFile = Path.Combine(_directory.Path, ".env");
        EditorPort = LoopbackPort.Free();
        EchoPort = LoopbackPort.Free();
        var values = new Dictionary<string, string>
        {
            ["SPEC_EDITOR_PORT"] = EditorPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ECHO_PORT"] = EchoPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SPEC_EDITOR_ENV_FILE"] = _envFile,
            // Docker 20.10 has no start interval: a short interval lets the stack turn healthy without a 10 s wait.
            ["SPEC_EDITOR_HEALTHCHECK_INTERVAL"] = "1s",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        File.WriteAllLines(_envFile, values.Select(v => $"{v.Key}={v.Value}"));
    }

    public string Project { get; } = "specedtest" + Guid.NewGuid().ToString("N")[..8];

    public int EditorPort { get; }

    public int EchoPort { get; }

    public static string ComposeFile => RepositoryRoot.File("app", "compose.yaml");

    public static Task<ComposeProject> CreateAsync(Dictionary<string, string> settings)
    {
        Requires.Command("docker-compose", "docker-compose");
        return Task.FromResult(new ComposeProject(settings));
    }

    public Task UpAsync() => ComposeAsync("up", "--detach");

    public Task<CliResult> ComposeAsync(params string[] args) => Cli.RunAsync("docker-compose", Arguments(args), Options);

    public Task<CliResult> TryComposeAsync(params string[] args) => Cli.TryRunAsync("docker-compose", Arguments(args), Options);

    public async Task<string> ContainerIdAsync(string service)
    {
        var id = (await ComposeAsync("ps", "--quiet", service)).Stdout.Trim();
        Assert.False(string.IsNullOrEmpty(id), $"compose has no container for {service}");
        return id;
    }

    public async ValueTask DisposeAsync()
    {
        await TryComposeAsync("down", "--volumes", "--timeout", "5");
        _directory.Dispose();
    }

    private static CliOptions Options => new() { Timeout = TimeSpan.FromMinutes(3) };

    private string[] Arguments(string[] args) => ["--project-name", Project, "--file", ComposeFile, "--env-file", _envFile, .. args];
}
