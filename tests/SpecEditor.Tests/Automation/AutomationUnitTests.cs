using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SpecEditor.Automation;
using SpecEditor.Automation.Agents;
using SpecEditor.Automation.Engine;
using SpecEditor.Automation.Publishing;
using SpecEditor.Hosting;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation;

/// <summary>The engine's rules that need no container: settings, agents, redaction, branch names.</summary>
public sealed class AutomationUnitTests
{
    [Fact]
    public async Task Bad_automation_settings_stop_startup_with_one_line_per_variable()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["AUTOMATION_RUNNER"] = "nomad",
            ["AUTOMATION_MAX_ATTEMPTS"] = "0",
            ["AUTOMATION_STEP_TIMEOUT_SECONDS"] = "-5",
            ["AUTOMATION_JOB_USER"] = "0:0",
            ["AUTOMATION_WORK_DIR"] = "relative/work",
        }));

        var lines = StartupReport.Describe(failure);
        Assert.Contains("AUTOMATION_RUNNER: 'nomad' is not a runner; use docker or kubernetes", lines);
        Assert.Contains("AUTOMATION_MAX_ATTEMPTS: '0' must be a whole number from 1 to 20", lines);
        Assert.Contains("AUTOMATION_STEP_TIMEOUT_SECONDS: '-5' must be a positive number, at most 2000000", lines);
        Assert.Contains("AUTOMATION_JOB_USER: jobs must not run as root (uid 0)", lines);
        Assert.Contains("AUTOMATION_WORK_DIR: 'relative/work' must be an absolute path", lines);
    }

    [Theory]
    [InlineData("00")]
    [InlineData("000:1000")]
    [InlineData("0:0")]
    public void Every_spelling_of_root_is_refused_as_the_job_user(string user)
    {
        var settings = new AutomationSettings { JobUser = user };

        Assert.Contains("AUTOMATION_JOB_USER: jobs must not run as root (uid 0)", settings.Validate());
    }

    [Fact]
    public void Timeouts_beyond_what_a_timer_can_wait_are_refused_at_start()
    {
        // 30 days: past the 24.8 days a .NET timer can wait, so a step would fail when its timeout is set, not at start.
        var settings = new AutomationSettings { StepTimeoutSeconds = "2592000", RunTimeoutSeconds = "2000000" };

        var lines = settings.Validate().ToList();

        Assert.Contains("AUTOMATION_STEP_TIMEOUT_SECONDS: '2592000' must be a positive number, at most 2000000", lines);
        Assert.DoesNotContain(lines, line => line.StartsWith("AUTOMATION_RUN_TIMEOUT_SECONDS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bad_github_url_read_by_both_the_github_store_and_automation_is_one_line()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["SPEC_STORE"] = "github",
            ["GH_API_URL"] = "ftp://x",
            ["GH_WEB_URL"] = "nonsense",
        }));

        var lines = StartupReport.Describe(failure);
        Assert.Single(lines, l => l.StartsWith("GH_API_URL:", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("GH_WEB_URL:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_notifier_wakes_every_watcher_of_a_run_and_forgets_the_run_when_the_last_watch_ends()
    {
        var notifier = new RunNotifier();
        var first = notifier.WatchEvents("run-1");
        var second = notifier.WatchEvents("run-1");
        var stop = notifier.WatchStop("run-1");
        var firstNext = first.NextAsync();
        var secondNext = second.NextAsync();
        var stopNext = stop.NextAsync();

        notifier.EventsAdded("run-1");
        notifier.EventsAdded("run-2");
        await Task.WhenAll(firstNext, secondNext).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.False(stopNext.IsCompleted);
        Assert.False(first.NextAsync().IsCompleted);
        notifier.StopRequested("run-1");
        await stopNext.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(2, notifier.WatchedRunCount);

        first.Dispose();
        first.Dispose();
        stop.Dispose();
        Assert.Equal(1, notifier.WatchedRunCount);
        second.Dispose();
        Assert.Equal(0, notifier.WatchedRunCount);
    }

    [Fact]
    public void Presets_name_their_secrets_and_an_agents_file_adds_or_overrides_agents()
    {
        using var folder = new TempDirectory("spec-editor-agents");
        var file = Path.Combine(folder.Path, "agents.json");
        File.WriteAllText(file, """
            { "agents": {
                "codex": { "image": "registry.local/codex:2", "command": ["codex", "{prompt}"], "secrets": ["OPENAI_API_KEY"] },
                "mine": { "image": "registry.local/mine:1", "command": ["run", "--phase={phase}", "--dir={feature_dir}"], "secrets": [], "memoryMb": 512 }
            } }
            """);

        var catalog = new AgentCatalog(Options.Create(new AutomationSettings { AgentsFile = file }));

        Assert.Equal(["ANTHROPIC_API_KEY"], catalog.Find("claude-code")!.Secrets);
        Assert.Equal(["GEMINI_API_KEY"], catalog.Find("gemini")!.Secrets);
        Assert.Equal("registry.local/codex:2", catalog.Find("codex")!.Image);
        var mine = catalog.Find("mine")!;
        Assert.Equal(512, mine.MemoryMb);
        Assert.Equal(["run", "--phase=plan", "--dir=specs/001-x"], mine.RenderCommand("plan", "specs/001-x", "desc"));
        var prompt = catalog.Find("codex")!.RenderCommand("specify", "specs/001-x", "Add caching")[1];
        Assert.StartsWith("/speckit.specify Add caching", prompt, StringComparison.Ordinal);
        Assert.Contains("specs/001-x/spec.md", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_agents_file_is_refused_with_every_problem_named()
    {
        using var folder = new TempDirectory("spec-editor-agents");
        var file = Path.Combine(folder.Path, "agents.json");
        File.WriteAllText(file, """{ "agents": { "Bad Name": { "image": "x", "command": ["y"] }, "ok": { "command": [], "secrets": ["not a name"] } } }""");

        var failure = Assert.Throws<StartupException>(() => new AgentCatalog(Options.Create(new AutomationSettings { AgentsFile = file })));

        Assert.Contains("agent 'Bad Name': the name must be lowercase", failure.Message, StringComparison.Ordinal);
        Assert.Contains("agent 'ok': 'image' is required", failure.Message, StringComparison.Ordinal);
        Assert.Contains("agent 'ok': 'command' must be a non-empty array", failure.Message, StringComparison.Ordinal);
        Assert.Contains("agent 'ok': 'not a name' is not an environment variable name", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_redactor_masks_every_configured_secret_in_text_and_bytes()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "sk-abc",
            ["ANTHROPIC_API_KEY"] = "sk-abc-longer",
        }).Build();
        var settings = Options.Create(new AutomationSettings { GitHubToken = "ghp_token" });
        var redactor = new SecretRedactor(new AgentCatalog(settings), new SecretProvider(configuration), settings);

        Assert.Equal("a *** b *** c ***", redactor.Redact("a sk-abc-longer b sk-abc c ghp_token"));
        var bytes = redactor.Redact(Encoding.UTF8.GetBytes("key=sk-abc\n"), out var changed);
        Assert.True(changed);
        Assert.Equal("key=***\n", Encoding.UTF8.GetString(bytes));
        var clean = Encoding.UTF8.GetBytes("nothing here");
        Assert.Same(clean, redactor.Redact(clean, out changed));
        Assert.False(changed);
    }

    [Fact]
    public void Branch_names_are_deterministic_per_run_and_numbered_on_reruns()
    {
        var run = new RunRow { Id = "0123456789abcdef0123456789abcdef", CreatedAt = new DateTimeOffset(2026, 3, 9, 23, 30, 0, TimeSpan.FromHours(-2)) };

        Assert.Equal("speckit/20260310/01234567", PullRequests.BranchName(run));
        Assert.Equal("speckit/20260310/01234567-r2", PullRequests.BranchName(new RunRow { Id = run.Id, CreatedAt = run.CreatedAt, Rerun = 2 }));
    }

    [Theory]
    [InlineData("logs/plan/attempt-1/stdout.log", true)]
    [InlineData("files/specs/001-x/spec.md", true)]
    [InlineData("../secrets", false)]
    [InlineData("logs/../../x", false)]
    [InlineData("/etc/passwd", false)]
    [InlineData("logs//x", false)]
    [InlineData("logs\\x", false)]
    [InlineData("./x", false)]
    public void Artifact_names_stay_inside_the_run(string name, bool allowed) =>
        Assert.Equal(allowed, AutomationService.IsArtifactName(name));
}
