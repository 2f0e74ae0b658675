using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SpecEditor.Automation;
using SpecEditor.Automation.Agents;
using SpecEditor.Automation.Engine;
using SpecEditor.Automation.Runners;
using SpecEditor.Automation.Store;
using SpecEditor.Data;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation.Engine;

/// <summary>A job's output past AUTOMATION_MAX_LOG_BYTES or the longest line: the caps bound the log artifact and the stored events alike.</summary>
public sealed class AttemptLogTests
{
    [Fact]
    public async Task Past_the_log_cap_lines_are_neither_kept_nor_stored_and_the_last_error_line_is_still_known()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory("spec-editor-attempt-log");
        var (store, claim) = await NewAttemptAsync(data, cancellationToken);
        var settings = Options.Create(new AutomationSettings());
        var redactor = new SecretRedactor(new AgentCatalog(settings), new SecretProvider(new ConfigurationBuilder().Build()), settings);

        var log = new AttemptLog(claim, store, redactor, new RunNotifier(), TimeProvider.System, maxBytes: 100);
        await using (log)
        {
            for (var i = 0; i < 50; i++)
            {
                await log.AppendAsync(OutputChannel.StdOut, $"line {i:D2} of the output");
            }

            await log.AppendAsync(OutputChannel.StdErr, "error: the real reason");
        }

        var stdout = Encoding.UTF8.GetString(log.Stdout);
        Assert.StartsWith("line 00 of the output\n", stdout, StringComparison.Ordinal);
        Assert.EndsWith("[log cut at 100 bytes (AUTOMATION_MAX_LOG_BYTES)]\n", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("line 49", stdout, StringComparison.Ordinal);
        var events = await store.GetEventsAsync(claim.Run.Id, 0, 1000, cancellationToken);
        var outputEvents = events.Where(e => e.Kind == EventKinds.StdOut).Select(e => e.Message).ToArray();
        Assert.Equal(5, outputEvents.Length);
        Assert.Equal("[log cut at 100 bytes (AUTOMATION_MAX_LOG_BYTES)]", outputEvents[^1]);
        Assert.Equal("error: the real reason", log.LastErrorLine);
    }

    [Fact]
    public async Task A_line_cut_through_a_secret_shows_no_part_of_it_and_says_where_it_was_cut()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory("spec-editor-attempt-log");
        var (store, claim) = await NewAttemptAsync(data, cancellationToken);
        const string secret = "sk-cut-through-this-secret";
        var settings = Options.Create(new AutomationSettings { GitHubToken = secret });
        var redactor = new SecretRedactor(new AgentCatalog(settings), new SecretProvider(new ConfigurationBuilder().Build()), settings);

        var log = new AttemptLog(claim, store, redactor, new RunNotifier(), TimeProvider.System, maxBytes: 4 * LineSplitter.MaxLineChars);
        await using (log)
        {
            var splitter = new LineSplitter(OutputChannel.StdOut, log.AppendAsync);
            await splitter.WriteAsync(Encoding.UTF8.GetBytes(new string('x', LineSplitter.MaxLineChars - 9) + secret + " and on, with no newline"));
            await splitter.WriteAsync(Encoding.UTF8.GetBytes("\nafter\n"));
        }

        var stdout = Encoding.UTF8.GetString(log.Stdout);
        Assert.Equal(new string('x', LineSplitter.MaxLineChars - 9) + "***" + LineSplitter.CutMarker + "\nafter\n", stdout);
        var events = await store.GetEventsAsync(claim.Run.Id, 0, 1000, cancellationToken);
        Assert.DoesNotContain(events, e => e.Message.Contains("sk-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_secret_spanning_lines_is_masked_on_every_line_of_the_log_and_its_events()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory("spec-editor-attempt-log");
        var (store, claim) = await NewAttemptAsync(data, cancellationToken);
        const string key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
        var settings = Options.Create(new AutomationSettings());
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = key }).Build();
        var redactor = new SecretRedactor(new AgentCatalog(settings), new SecretProvider(configuration), settings);

        var log = new AttemptLog(claim, store, redactor, new RunNotifier(), TimeProvider.System, maxBytes: 1 << 20);
        await using (log)
        {
            var splitter = new LineSplitter(OutputChannel.StdOut, log.AppendAsync);
            await splitter.WriteAsync(Encoding.UTF8.GetBytes($"debug: key={key}\n"));
            await splitter.FlushAsync();
        }

        Assert.Equal("debug: key=***\n***\n***\n", Encoding.UTF8.GetString(log.Stdout));
        var events = await store.GetEventsAsync(claim.Run.Id, 0, 1000, cancellationToken);
        Assert.Equal(["debug: key=***", "***", "***"], events.Where(e => e.Kind == EventKinds.StdOut).Select(e => e.Message));
    }

    private static async Task<(RunStore Store, ClaimedStep Claim)> NewAttemptAsync(TempDirectory data, CancellationToken cancellationToken)
    {
        var database = new Database(Options.Create(new DatabaseSettings { DataDir = data.Path }));
        await new MigrationRunner(database, NullLogger<MigrationRunner>.Instance).ApplyAsync(cancellationToken);
        var store = new RunStore(database);
        var run = new RunRow
        {
            Id = Guid.NewGuid().ToString("N"), Repository = "local", BaseBranch = "main", Description = "A feature", Agent = "test",
            Phases = "specify", RequestHash = "hash", State = RunStates.Queued, CreatedAt = DateTimeOffset.UtcNow,
        };
        await store.TryInsertRunAsync(run, cancellationToken);
        var step = (await store.GetStepsAsync(run.Id, cancellationToken))[0];
        return (store, new ClaimedStep(run, step, 1, false, null, "test-lease"));
    }
}
