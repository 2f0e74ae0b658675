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

/// <summary>A job's output past AUTOMATION_MAX_LOG_BYTES: the cap bounds the log artifact and the stored events alike.</summary>
public sealed class AttemptLogTests
{
    [Fact]
    public async Task Past_the_log_cap_lines_are_neither_kept_nor_stored_and_the_last_error_line_is_still_known()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory("spec-editor-attempt-log");
        DapperSetup.Configure();
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
        var settings = Options.Create(new AutomationSettings());
        var redactor = new SecretRedactor(new AgentCatalog(settings), new SecretProvider(new ConfigurationBuilder().Build()), settings);

        var log = new AttemptLog(new ClaimedStep(run, step, 1, false, null, "test-lease"), store, redactor, new RunNotifier(), TimeProvider.System, maxBytes: 100);
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
        var events = await store.GetEventsAsync(run.Id, 0, 1000, cancellationToken);
        var outputEvents = events.Where(e => e.Kind == EventKinds.StdOut).Select(e => e.Message).ToArray();
        Assert.Equal(5, outputEvents.Length);
        Assert.Equal("[log cut at 100 bytes (AUTOMATION_MAX_LOG_BYTES)]", outputEvents[^1]);
        Assert.Equal("error: the real reason", log.LastErrorLine);
    }
}
