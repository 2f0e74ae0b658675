using System.Diagnostics;

namespace SpecEditor.Tests.TestSupport;

/// <summary>A finished command line: its exit code and everything it printed.</summary>
public sealed record ProcessRun(int ExitCode, string Output, string Error)
{
    /// <summary>Starts the process and reads both streams to the end together, so a chatty stream cannot block it.</summary>
    public static async Task<ProcessRun> RunAsync(ProcessStartInfo start, params IEnumerable<string> arguments)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new ProcessRun(process.ExitCode, await output, await error);
    }

    public static Task<ProcessRun> RunAsync(string program, params IEnumerable<string> arguments) =>
        RunAsync(new ProcessStartInfo(program), arguments);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
