using System.Diagnostics;
using System.Text;

namespace SpecEditor.Container.Tests.Support;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

/// <summary>Runs command-line tools (docker, docker-compose, htpasswd) the way a user would, and reports what they said.</summary>
public static class Cli
{
    /// <summary>Runs <paramref name="file"/> and throws with its output when it exits non-zero.</summary>
    public static async Task<CliResult> RunAsync(string file, IEnumerable<string> args, CliOptions? options = null)
    {
        var result = await TryRunAsync(file, args, options);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Describe(file, args)} exited {result.ExitCode}:\n{result.Output}");
        }

        return result;
    }

    public static async Task<CliResult> TryRunAsync(string file, IEnumerable<string> args, CliOptions? options = null)
    {
        using var process = Start(file, args, options);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await WaitAsync(process, file, args, options);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs <paramref name="file"/> and hands its standard output, as a stream, to <paramref name="consume"/> (for tar streams).</summary>
    public static async Task ReadOutputAsync(string file, IEnumerable<string> args, Func<Stream, Task> consume, CliOptions? options = null)
    {
        using var process = Start(file, args, options);
        var stderr = process.StandardError.ReadToEndAsync();
        await consume(process.StandardOutput.BaseStream);
        await process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        await WaitAsync(process, file, args, options);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Describe(file, args)} exited {process.ExitCode}:\n{await stderr}");
        }
    }

    private static Process Start(string file, IEnumerable<string> args, CliOptions? options)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = options?.Stdin is not null,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = options?.WorkingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in options?.Environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        if (options?.Stdin is { } stdin)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        return process;
    }

    private static async Task WaitAsync(Process process, string file, IEnumerable<string> args, CliOptions? options)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(options?.Timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(file, args)} did not finish in time");
        }
    }

    private static string Describe(string file, IEnumerable<string> args) => $"{file} {string.Join(' ', args)}";
}

public sealed record CliOptions
{
    public string? Stdin { get; init; }

    public string? WorkingDirectory { get; init; }

    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    public TimeSpan? Timeout { get; init; }
}
