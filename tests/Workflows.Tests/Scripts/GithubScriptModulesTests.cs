using System.Text.Json.Nodes;
using SpecEditor.Workflows.Tests.TestSupport;

namespace SpecEditor.Workflows.Tests.Scripts;

/// <summary>upsert-comment.js and drift-issues.js: one preview comment per pull request, one drift issue per stack.</summary>
public sealed class GithubScriptModulesTests
{
    private const string Marker = "<!-- spec-editor:pulumi-preview -->";

    [Fact]
    public async Task The_first_preview_creates_the_comment()
    {
        var (writes, _) = await GithubScript.RunAsync("upsert-comment.js", Input(comments: [Comment(1, "User", "Looks good")], body: $"{Marker}\nfirst"));

        var write = Assert.Single(writes);
        Assert.Equal("issues.createComment", (string?)write!["call"]);
        Assert.Equal(17, (int)write["params"]!["issue_number"]!);
        Assert.Equal($"{Marker}\nfirst", (string?)write["params"]!["body"]);
    }

    [Fact]
    public async Task A_later_preview_edits_the_bot_s_comment_instead_of_adding_one()
    {
        var comments = new[] { Comment(1, "User", "please check"), Comment(2, "Bot", $"{Marker}\nold"), Comment(3, "User", "thanks") };

        var (writes, _) = await GithubScript.RunAsync("upsert-comment.js", Input(comments, body: $"{Marker}\nnew"));

        var write = Assert.Single(writes);
        Assert.Equal("issues.updateComment", (string?)write!["call"]);
        Assert.Equal(2, (int)write["params"]!["comment_id"]!);
        Assert.Equal($"{Marker}\nnew", (string?)write["params"]!["body"]);
    }

    [Fact]
    public async Task A_person_s_comment_quoting_the_marker_is_never_overwritten()
    {
        var (writes, _) = await GithubScript.RunAsync("upsert-comment.js", Input([Comment(5, "User", $"{Marker}\ncopied")], body: $"{Marker}\nnew"));

        Assert.Equal("issues.createComment", (string?)Assert.Single(writes)!["call"]);
    }

    [Fact]
    public async Task Drift_opens_an_issue_for_the_stack_when_none_is_open()
    {
        var (writes, logs) = await GithubScript.RunAsync("drift-issues.js", Results([Issue(3, "Bot", "<!-- spec-editor:drift:prod -->\nprod drifted")], ("dev", "drift", "<!-- spec-editor:drift:dev -->\nreport")));

        var write = Assert.Single(writes);
        Assert.Equal("issues.create", (string?)write!["call"]);
        Assert.Equal("Drift detected in the dev stack", (string?)write["params"]!["title"]);
        Assert.Equal("<!-- spec-editor:drift:dev -->\nreport", (string?)write["params"]!["body"]);
        Assert.Contains(logs, log => ((string?)log)!.StartsWith("warning: Drift in dev: opened", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lasting_drift_edits_the_open_issue_instead_of_opening_another()
    {
        var (writes, _) = await GithubScript.RunAsync("drift-issues.js", Results([Issue(8, "Bot", "<!-- spec-editor:drift:dev -->\nyesterday")], ("dev", "drift", "<!-- spec-editor:drift:dev -->\ntoday")));

        var write = Assert.Single(writes);
        Assert.Equal("issues.update", (string?)write!["call"]);
        Assert.Equal(8, (int)write["params"]!["issue_number"]!);
        Assert.Equal("<!-- spec-editor:drift:dev -->\ntoday", (string?)write["params"]!["body"]);
    }

    [Fact]
    public async Task A_clean_check_closes_the_stack_s_drift_issue_with_a_comment_and_leaves_other_stacks_alone()
    {
        var issues = new[] { Issue(8, "Bot", "<!-- spec-editor:drift:dev -->\nold"), Issue(9, "Bot", "<!-- spec-editor:drift:prod -->\nold") };

        var (writes, _) = await GithubScript.RunAsync("drift-issues.js", Results(issues, ("dev", "clean", "")));

        Assert.Equal(["issues.createComment", "issues.update"], writes.Select(write => (string?)write!["call"]));
        Assert.Equal(8, (int)writes[0]!["params"]!["issue_number"]!);
        Assert.Contains("https://github.com/acme/specs/actions/runs/99", (string?)writes[0]!["params"]!["body"], StringComparison.Ordinal);
        Assert.Equal("closed", (string?)writes[1]!["params"]!["state"]);
        Assert.Equal(8, (int)writes[1]!["params"]!["issue_number"]!);
    }

    [Fact]
    public async Task A_failed_check_or_a_clean_stack_without_an_issue_changes_nothing()
    {
        var issues = new[] { Issue(8, "Bot", "<!-- spec-editor:drift:dev -->\nold") };

        var (writes, _) = await GithubScript.RunAsync("drift-issues.js", Results(issues, ("dev", "error", ""), ("prod", "clean", "")));

        Assert.Empty(writes);
    }

    [Fact]
    public async Task Pull_requests_and_people_s_issues_are_never_taken_for_the_drift_issue()
    {
        var pullRequest = Issue(4, "Bot", "<!-- spec-editor:drift:dev -->\npr");
        pullRequest["pull_request"] = new JsonObject { ["url"] = "https://api.github.com/repos/acme/specs/pulls/4" };

        var (writes, _) = await GithubScript.RunAsync("drift-issues.js", Results([pullRequest, Issue(5, "User", "<!-- spec-editor:drift:dev -->\nquoted")], ("dev", "drift", "<!-- spec-editor:drift:dev -->\nreport")));

        Assert.Equal("issues.create", (string?)Assert.Single(writes)!["call"]);
    }

    private static JsonObject Input(JsonObject[] comments, string body) => new()
    {
        ["comments"] = new JsonArray([.. comments]),
        ["args"] = new JsonObject { ["body"] = body },
    };

    private static JsonObject Results(JsonObject[] issues, params (string Stack, string Status, string Report)[] results) => new()
    {
        ["issues"] = new JsonArray([.. issues]),
        ["args"] = new JsonObject
        {
            ["results"] = new JsonArray([.. results.Select(r => (JsonNode)new JsonObject { ["stack"] = r.Stack, ["status"] = r.Status, ["report"] = r.Report })]),
        },
    };

    private static JsonObject Comment(int id, string userType, string body) => new()
    {
        ["id"] = id,
        ["body"] = body,
        ["user"] = new JsonObject { ["type"] = userType },
        ["html_url"] = $"https://github.com/acme/specs/pull/17#issuecomment-{id}",
    };

    private static JsonObject Issue(int number, string userType, string body) => new()
    {
        ["number"] = number,
        ["body"] = body,
        ["user"] = new JsonObject { ["type"] = userType },
        ["html_url"] = $"https://github.com/acme/specs/issues/{number}",
    };
}
