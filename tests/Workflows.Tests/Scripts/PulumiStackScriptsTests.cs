using SpecEditor.Workflows.Tests.TestSupport;

namespace SpecEditor.Workflows.Tests.Scripts;

/// <summary>stack-region.sh and pulumi-login.sh: what the shared Pulumi setup action runs before any Pulumi command.</summary>
public sealed class PulumiStackScriptsTests : IDisposable
{
    private readonly Script _script = new();

    public void Dispose() => _script.Dispose();

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public async Task The_region_comes_from_the_committed_stack_file(string stack)
    {
        _script.WorkDir = RepositoryRoot.Path;

        var result = await _script.RunAsync("stack-region.sh", stack);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("us-east-1", result.Output.Trim());
        Assert.Equal("us-east-1", _script.Outputs["aws-region"]);
    }

    [Fact]
    public async Task A_region_set_with_pulumi_config_set_is_read_quoted_or_not()
    {
        _script.Write("work/Pulumi.staging.yaml", "config:\n  spec-editor:target: ec2\n  aws:region: \"eu-west-1\"\n");

        var result = await _script.RunAsync("stack-region.sh", "staging");

        Assert.Equal("eu-west-1", result.Output.Trim());
    }

    [Fact]
    public async Task A_stack_without_a_region_or_without_a_file_stops_with_the_command_that_fixes_it()
    {
        _script.WorkDir = RepositoryRoot.Path;

        var local = await _script.RunAsync("stack-region.sh", "local");
        var missing = await _script.RunAsync("stack-region.sh", "staging");

        Assert.Equal(1, local.ExitCode);
        Assert.Contains("Pulumi.local.yaml has no aws:region; set it with: pulumi config set aws:region <region> --stack local", local.Error, StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Pulumi.staging.yaml does not exist", missing.Error, StringComparison.Ordinal);
        Assert.False(_script.Outputs.ContainsKey("aws-region"));
    }

    [Fact]
    public async Task A_backend_url_logs_in_to_the_self_managed_backend_without_printing_the_bucket()
    {
        _script.Write("work/Pulumi.dev.yaml", "secretsprovider: awskms://alias/spec-editor\nconfig:\n  aws:region: us-east-1\n");
        _script.Environment["PULUMI_BACKEND_URL"] = "s3://acme-pulumi-state?region=us-east-1";
        _script.Environment["PULUMI_ACCESS_TOKEN"] = "pul-should-not-be-used";

        var result = await _script.RunAsync("pulumi-login.sh", "dev");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["login --non-interactive s3://acme-pulumi-state?region=us-east-1", "stack select --non-interactive dev"], _script.Pulumi.Calls);
        Assert.Contains("State backend: self-managed (s3)", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("acme-pulumi-state", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_access_token_alone_logs_in_to_pulumi_cloud_and_is_never_printed()
    {
        _script.Environment["PULUMI_ACCESS_TOKEN"] = "pul-0123456789abcdef";

        var result = await _script.RunAsync("pulumi-login.sh", "prod");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["login --non-interactive", "stack select --non-interactive prod"], _script.Pulumi.Calls);
        Assert.Contains("Pulumi Cloud", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("pul-0123456789abcdef", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_any_backend_setting_nothing_runs_and_the_error_names_both_settings()
    {
        _script.Environment["PULUMI_ACCESS_TOKEN"] = "";
        _script.Environment["PULUMI_BACKEND_URL"] = "";

        var result = await _script.RunAsync("pulumi-login.sh", "dev");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(_script.Pulumi.Calls);
        Assert.Contains("::error title=No Pulumi state backend::", result.Error, StringComparison.Ordinal);
        Assert.Contains("PULUMI_ACCESS_TOKEN", result.Error, StringComparison.Ordinal);
        Assert.Contains("PULUMI_BACKEND_URL", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_passphrase_stack_on_a_self_managed_backend_needs_the_passphrase_secret()
    {
        _script.Write("work/Pulumi.dev.yaml", "encryptionsalt: v1:abc=:v1:def:ghi==\nconfig:\n  aws:region: us-east-1\n");
        _script.Environment["PULUMI_BACKEND_URL"] = "s3://state";

        var missing = await _script.RunAsync("pulumi-login.sh", "dev");
        _script.Environment["PULUMI_CONFIG_PASSPHRASE"] = "correct horse";
        var given = await _script.RunAsync("pulumi-login.sh", "dev");

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("set the secret PULUMI_CONFIG_PASSPHRASE", missing.Error, StringComparison.Ordinal);
        Assert.Equal(0, given.ExitCode);
        Assert.Equal(["login --non-interactive s3://state", "stack select --non-interactive dev"], _script.Pulumi.Calls);
    }

    [Fact]
    public async Task A_stack_missing_from_the_backend_is_reported_with_how_to_create_it()
    {
        _script.Environment["PULUMI_ACCESS_TOKEN"] = "pul-token";
        _script.Pulumi.Answer("stack-select", error: "error: no stack named 'prod' found", exitCode: 255);

        var result = await _script.RunAsync("pulumi-login.sh", "prod");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("create it once with: pulumi stack init prod", result.Error, StringComparison.Ordinal);
    }
}
