using System.Diagnostics;

namespace SpecEditor.Workflows.Tests.TestSupport;

/// <summary>
/// Runs one of the workflow scripts (.github/scripts) with bash the way a GitHub runner does: in a working folder, with
/// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and with a stand-in <c>pulumi</c> first on PATH (see
/// <see cref="FakePulumi"/>). Variables a real runner would leak in (GITHUB_*, PULUMI_*, RUN_URL...) are cleared first.
/// </summary>
internal sealed class Script : IDisposable
{
    private readonly TempDirectory _temp = new("workflow-script");

    public Script()
    {
        Pulumi = new FakePulumi(_temp.File("fake-pulumi"));
        WorkDir = _temp.File("work");
        Directory.CreateDirectory(WorkDir);
        File.WriteAllText(OutputFile, "");
        File.WriteAllText(SummaryFile, "");
    }

    public FakePulumi Pulumi { get; }

    public string WorkDir { get; set; }

    public string OutputFile => _temp.File("github-output");

    public string SummaryFile => _temp.File("step-summary");

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string Temp(string name) => _temp.File(name);

    public string Write(string relativePath, string content) => _temp.Write(relativePath, content);

    /// <summary>The GITHUB_OUTPUT lines as a map (single-line values).</summary>
    public IReadOnlyDictionary<string, string> Outputs => File.ReadAllLines(OutputFile)
        .Where(line => line.Contains('=', StringComparison.Ordinal))
        .Select(line => line.Split('=', 2))
        .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);

    public string Summary => File.ReadAllText(SummaryFile);

    public async Task<ProcessRun> RunAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = WorkDir };
        foreach (var name in start.Environment.Keys.Where(IsRunnerVariable).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["PATH"] = Pulumi.BinDirectory + ":" + start.Environment["PATH"];
        start.Environment["GITHUB_OUTPUT"] = OutputFile;
        start.Environment["GITHUB_STEP_SUMMARY"] = SummaryFile;
        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        return await ProcessRun.RunAsync(start, [RepositoryRoot.File(".github", "scripts", script), .. arguments]);
    }

    public void Dispose() => _temp.Dispose();

    private static bool IsRunnerVariable(string name) =>
        name.StartsWith("GITHUB_", StringComparison.Ordinal) || name.StartsWith("PULUMI_", StringComparison.Ordinal)
        || name.StartsWith("RUNNER_", StringComparison.Ordinal) || name is "RUN_URL" or "COMMIT_SHA" or "STACK";
}

/// <summary>
/// A stand-in for the Pulumi CLI, which the tests cannot download: it records each call's arguments and answers a
/// command (its first word, or first two for <c>stack</c> and <c>config</c>: "preview", "stack-output") with the
/// output, error text and exit code given to <see cref="Answer"/>. Unanswered commands print nothing and succeed.
/// </summary>
internal sealed class FakePulumi
{
    private readonly string _root;

    public FakePulumi(string root)
    {
        _root = root;
        BinDirectory = Path.Combine(root, "bin");
        Directory.CreateDirectory(BinDirectory);
        var executable = Path.Combine(BinDirectory, "pulumi");
        File.WriteAllText(executable, $$"""
            #!/usr/bin/env bash
            printf '%s\n' "$*" >>'{{root}}/calls'
            key=$1
            case $1 in stack | config) key="$1-$2" ;; esac
            [ -f '{{root}}'/"$key.out" ] && cat '{{root}}'/"$key.out"
            [ -f '{{root}}'/"$key.err" ] && cat '{{root}}'/"$key.err" >&2
            exit "$(cat '{{root}}'/"$key.exit" 2>/dev/null || echo 0)"

            """);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the workflow scripts run with bash on Linux runners");
        }

        File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string BinDirectory { get; }

    /// <summary>The argument lines of every call, in order.</summary>
    public IReadOnlyList<string> Calls => File.Exists(Path.Combine(_root, "calls")) ? File.ReadAllLines(Path.Combine(_root, "calls")) : [];

    public void Answer(string command, string output = "", int exitCode = 0, string error = "")
    {
        File.WriteAllText(Path.Combine(_root, command + ".out"), output);
        File.WriteAllText(Path.Combine(_root, command + ".err"), error);
        File.WriteAllText(Path.Combine(_root, command + ".exit"), exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
