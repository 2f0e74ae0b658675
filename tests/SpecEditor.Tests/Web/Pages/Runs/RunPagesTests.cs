using System.Net;
using System.Text.RegularExpressions;
using SpecEditor.Tests.Automation;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Web.Pages.Runs;

public sealed partial class RunPagesTests
{
    [Fact]
    public async Task The_form_starts_a_run_and_its_page_shows_the_timeline_pull_request_artifacts_and_log_without_javascript()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings());

        var form = await app.Client.GetStringAsync("/runs/new", TestContext.Current.CancellationToken);
        Assert.Contains("<option value=\"test\">", form, StringComparison.Ordinal);
        Assert.Matches("<option value=\"codex\">codex \\(ghcr.io/spec-editor/agent-codex:latest\\) [^<]+ missing OPENAI_API_KEY</option>", form);
        var token = Token().Match(form).Groups[1].Value;

        using var post = await app.Client.PostAsync("/runs/new", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Repository"] = "local",
            ["BaseBranch"] = "main",
            ["Agent"] = "test",
            ["Description"] = "Started from the form",
            ["Through"] = "plan",
        }), TestContext.Current.CancellationToken);
        var runUrl = post.RequestMessage!.RequestUri!.AbsolutePath;
        Assert.Matches("^/runs/[0-9a-f]{32}$", runUrl);
        var run = await AutomationHarness.WaitAsync(app.Client, runUrl[6..]);
        Assert.Equal("succeeded", run.State);
        Assert.Equal(["specify", "plan"], run.Phases);

        var page = await app.Client.GetStringAsync(runUrl, TestContext.Current.CancellationToken);
        Assert.Contains("data-testid=\"timeline\"", page, StringComparison.Ordinal);
        Assert.Contains("<strong>tasks</strong> <span class=\"run-skipped\">skipped</span>", page, StringComparison.Ordinal);
        Assert.Contains("id=\"pull-request\"", page, StringComparison.Ordinal);
        Assert.Contains("agent: wrote specs/001-started-from-the-form/plan.md", page, StringComparison.Ordinal);
        Assert.Contains("run-summary.json", page, StringComparison.Ordinal);
        var list = await app.Client.GetStringAsync("/runs?state=succeeded", TestContext.Current.CancellationToken);
        Assert.Contains(run.Id[..8], list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_form_shows_the_problem_and_keeps_the_input()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings());
        var token = Token().Match(await app.Client.GetStringAsync("/runs/new", TestContext.Current.CancellationToken)).Groups[1].Value;

        using var post = await app.Client.PostAsync("/runs/new", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Repository"] = "local",
            ["BaseBranch"] = "no-such-branch",
            ["Agent"] = "test",
            ["Description"] = "Keep this text",
            ["Through"] = "tasks",
        }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, post.StatusCode);
        var page = await post.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("The local repository has no branch &#x27;no-such-branch&#x27;.", page, StringComparison.Ordinal);
        Assert.Contains("Keep this text", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_run_page_streams_log_lines_live_in_a_browser()
    {
        Requires.Chromium();
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings());
        var run = await AutomationHarness.SubmitAsync(app.Client, "Watch it live [slow:specify]", dryRun: true);
        await AutomationHarness.WaitAsync(app.Client, run.Id, r => r.Steps!.Single(s => s.Name == "specify").AttemptHistory is [{ JobId: not null }]);

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(app.BaseAddress);
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && !response.Url.EndsWith("/favicon.ico", StringComparison.Ordinal))
            {
                errors.Add($"{response.Status} {response.Url}");
            }
        };
        await page.GotoAsync(new Uri(app.BaseAddress, $"/runs/{run.Id}").ToString());
        Assert.DoesNotContain("agent: wrote", await page.InnerTextAsync("#log"), StringComparison.Ordinal);

        // The slow phase writes its file seconds later; the line arrives through the event stream, then the page settles on the result.
        await page.WaitForSelectorAsync("#log:has-text('agent: wrote specs/001-watch-live-slow-specify/spec.md')", new() { Timeout = 60_000 });
        await page.WaitForSelectorAsync("[data-testid=run-state]:has-text('succeeded')", new() { Timeout = 60_000 });
        Assert.Empty(errors);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
