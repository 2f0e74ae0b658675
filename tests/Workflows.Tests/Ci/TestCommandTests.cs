using System.Diagnostics;

namespace SpecEditor.Workflows.Tests.Ci;

/// <summary>
/// tests/run.sh, the README's test command that .ci/run calls: it may skip the infra tests only because the Pulumi
/// packages cannot be restored, never because of any other restore error. A stand-in <c>dotnet</c> answers the restore
/// with a real NuGet error text and records the test runs.
/// </summary>
public sealed class TestCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new("test-command");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Missing_Pulumi_packages_skip_the_infra_tests_with_one_line_and_the_rest_still_runs()
    {
        var result = await RunAsync(restoreExit: 1, """
            /src/infra/Infra.csproj : error NU1101: Unable to find package Pulumi. No packages exist with this id in source(s): registry
            /src/infra/Infra.csproj : error NU1102: Unable to find package Pulumi.Aws with version (>= 7.10.0)
            /src/infra/Infra.csproj : error NU1101: Unable to find package Pulumi. No packages exist with this id in source(s): registry
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        var skipped = Assert.Single(result.Output.Split('\n'), line => line.StartsWith("SKIPPED", StringComparison.Ordinal));
        Assert.Equal("SKIPPED infra tests: the Pulumi packages cannot be restored from the configured NuGet sources (Pulumi,Pulumi.Aws).", skipped);
        Assert.Contains(TestRuns(), run => run.Contains("SpecEditor.Tests.csproj", StringComparison.Ordinal));
        Assert.DoesNotContain(TestRuns(), run => run.Contains("Infra.Tests", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/src/tests/Infra.Tests/Infra.Tests.csproj : error NU1101: Unable to find package Moqq. No packages exist with this id in source(s): registry")]
    [InlineData("/src/infra/Infra.csproj : error NU1301: Unable to load the service index for source https://api.nuget.org/v3/index.json.")]
    [InlineData("/src/infra/Infra.csproj : error NU1903: Warning As Error: Package 'Pulumi' 3.0.0 has a known high severity vulnerability")]
    public async Task Any_other_restore_failure_fails_the_run(string restoreError)
    {
        var result = await RunAsync(restoreExit: 1, $"""
            /src/infra/Infra.csproj : error NU1101: Unable to find package Pulumi. No packages exist with this id in source(s): registry
            {restoreError}
            """);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.DoesNotContain("SKIPPED", result.Output, StringComparison.Ordinal);
        Assert.Contains("FAILED to restore the infra tests", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restored_infra_tests_run_like_the_others()
    {
        var result = await RunAsync(restoreExit: 0, "Restored /src/tests/Infra.Tests/Infra.Tests.csproj");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(TestRuns(), run => run.Contains("Infra.Tests.csproj", StringComparison.Ordinal));
    }

    private IEnumerable<string> TestRuns() =>
        File.ReadAllLines(_temp.File("calls")).Where(call => call.StartsWith("test ", StringComparison.Ordinal));

    private async Task<ProcessRun> RunAsync(int restoreExit, string restoreOutput)
    {
        var bin = _temp.File("bin");
        Directory.CreateDirectory(bin);
        _temp.Write("restore.out", restoreOutput + "\n");
        var dotnet = _temp.Write("bin/dotnet", $$"""
            #!/usr/bin/env bash
            printf '%s\n' "$*" >>'{{_temp.File("calls")}}'
            if [ "$1" = restore ]; then cat '{{_temp.File("restore.out")}}'; exit {{restoreExit}}; fi
            exit 0

            """);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("tests/run.sh runs with bash on Linux");
        }

        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var start = new ProcessStartInfo("bash");
        start.Environment["PATH"] = bin + ":" + start.Environment["PATH"];
        start.Environment["TEST_RESULTS_DIR"] = _temp.File("results");
        return await ProcessRun.RunAsync(start, RepositoryRoot.File("tests", "run.sh"));
    }
}
