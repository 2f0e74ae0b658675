using System.Diagnostics;
using SpecEditor.Hosting;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Hosting;

public sealed class StartupTests
{
    [Fact]
    public void Every_bad_setting_is_reported_on_its_own_line_naming_the_variable()
    {
        using var data = new TempDirectory("spec-editor-settings");
        var settings = new Dictionary<string, string?>
        {
            ["DATA_DIR"] = data.Path,
            ["PORT"] = "http",
            ["LISTEN_ADDRESS"] = "everywhere",
            ["SPEC_STORE"] = "gitlab",
            ["SPECS_PATH"] = "../outside",
            ["ENVIRONMENTS"] = "dev,Prod",
            ["DATABASE_URL"] = "mysql://user:secret-password@db/app",
        };

        var error = Assert.Throws<InvalidSettingsException>(() => SpecEditorApp.Create([], settings));

        var lines = StartupReport.Describe(error);
        Assert.Contains(lines, l => l.StartsWith("PORT: 'http'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("LISTEN_ADDRESS: 'everywhere'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("SPEC_STORE: 'gitlab'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("SPECS_PATH: '../outside'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ENVIRONMENTS:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("DATABASE_URL:", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("secret-password", StringComparison.Ordinal));
    }

    [Fact]
    public void The_github_store_needs_a_repository_name()
    {
        using var data = new TempDirectory("spec-editor-settings");

        var error = Assert.Throws<InvalidSettingsException>(() => SpecEditorApp.Create([], new Dictionary<string, string?> { ["DATA_DIR"] = data.Path, ["SPEC_STORE"] = "github", ["GH_REPO"] = "not a repo" }));

        Assert.Contains(StartupReport.Describe(error), l => l.StartsWith("GH_REPO:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_app_binary_exits_with_code_2_and_one_line_per_bad_setting()
    {
        using var data = new TempDirectory("spec-editor-settings");
        var run = await ProcessRun.RunAsync(
            new ProcessStartInfo("dotnet") { Environment = { ["DATA_DIR"] = data.Path, ["PORT"] = "99999", ["MAX_SPEC_BYTES"] = "lots" } },
            typeof(SpecEditorApp).Assembly.Location);

        Assert.Equal(StartupReport.BadSettingsExitCode, run.ExitCode);
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("spec-editor: cannot start: PORT: '99999'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("spec-editor: cannot start: MAX_SPEC_BYTES: 'lots'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_data_folder_that_cannot_be_written_stops_startup_with_a_clear_line()
    {
        using var data = new TempDirectory("spec-editor-settings");
        var file = Path.Combine(data.Path, "not-a-folder");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);

        await using var app = SpecEditorApp.Create([], new Dictionary<string, string?> { ["DATA_DIR"] = file, ["PORT"] = "0" });
        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith("DATA_DIR: ", Assert.Single(StartupReport.Describe(error)), StringComparison.Ordinal);
    }
}
