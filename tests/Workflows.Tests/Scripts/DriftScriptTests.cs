using System.Text.Json.Nodes;
using SpecEditor.Workflows.Tests.TestSupport;

namespace SpecEditor.Workflows.Tests.Scripts;

/// <summary>pulumi-drift.sh: drift, no drift, and a check that could not run are told apart.</summary>
public sealed class DriftScriptTests : IDisposable
{
    private readonly Script _script = new();

    public DriftScriptTests()
    {
        _script.Environment["RUN_URL"] = "https://github.com/acme/specs/actions/runs/7";
        _script.Environment["COMMIT_SHA"] = "fedcba9876543210fedcba9876543210fedcba98";
    }

    public void Dispose() => _script.Dispose();

    private string Dir => _script.Temp("drift/dev");

    [Fact]
    public async Task A_stack_that_matches_its_state_is_clean()
    {
        _script.Pulumi.Answer("refresh", """{"steps":[{"op":"same","urn":"urn:pulumi:dev::spec-editor::pulumi:pulumi:Stack::spec-editor-dev"}],"changeSummary":{"same":16}}""");

        var result = await _script.RunAsync("pulumi-drift.sh", "dev", Dir);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["refresh --stack dev --preview-only --json --non-interactive"], _script.Pulumi.Calls);
        Assert.Equal("clean", Status());
        Assert.False(File.Exists(Path.Combine(Dir, "report.md")));
    }

    [Fact]
    public async Task Drift_fails_the_check_and_writes_an_issue_report_naming_each_changed_resource()
    {
        _script.Pulumi.Answer("refresh", """
            {"steps":[
              {"op":"same","urn":"urn:pulumi:dev::spec-editor::pulumi:pulumi:Stack::spec-editor-dev"},
              {"op":"update","urn":"urn:pulumi:dev::spec-editor::spec-editor:host:ComposeHost$aws:ec2/securityGroup:SecurityGroup::host-sg"},
              {"op":"delete","urn":"urn:pulumi:dev::spec-editor::spec-editor:host:ComposeHost$aws:ssm/parameter:Parameter::host-secret-GH_TOKEN"}
            ],"changeSummary":{"same":14,"update":1,"delete":1}}
            """);

        var result = await _script.RunAsync("pulumi-drift.sh", "dev", Dir);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("drift", Status());
        var report = File.ReadAllText(Path.Combine(Dir, "report.md")).Split('\n');
        Assert.Equal("<!-- spec-editor:drift:dev -->", report[0]);
        Assert.Contains("| update | `aws:ec2/securityGroup:SecurityGroup` | `host-sg` |", report);
        Assert.Contains("| delete | `aws:ssm/parameter:Parameter` | `host-secret-GH_TOKEN` |", report);
        Assert.Contains(report, line => line.Contains("[this run](https://github.com/acme/specs/actions/runs/7) on commit `fedcba9`", StringComparison.Ordinal));
        Assert.Contains("Summary: 14 same, 1 update, 1 delete.", report);
        Assert.Contains("::error title=Drift in dev::", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_that_cannot_run_is_an_error_not_drift_and_shows_the_cli_s_log()
    {
        _script.Pulumi.Answer("refresh", "", exitCode: 255, error: "error: failed to decrypt: AccessDeniedException");

        var result = await _script.RunAsync("pulumi-drift.sh", "dev", Dir);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error", Status());
        Assert.Contains("AccessDeniedException", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Dir, "report.md")));
    }

    [Fact]
    public async Task Output_that_is_not_the_expected_json_is_an_error_not_a_clean_result()
    {
        _script.Pulumi.Answer("refresh", "Refreshing (dev)\nResources:\n    16 unchanged\n");

        var result = await _script.RunAsync("pulumi-drift.sh", "dev", Dir);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error", Status());
    }

    private string Status() => (string)JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "result.json")))!["status"]!;
}
