using System.Diagnostics;

namespace SpecEditor.Tests.TestSupport;

/// <summary>The real git command line, to check what the app wrote and to change a repository behind its back.</summary>
public sealed class GitCli(string repositoryPath)
{
    public string Run(params string[] args) => Execute(null, ["--git-dir", repositoryPath, .. args]);

    public IReadOnlyList<string> Branches() =>
        Run("for-each-ref", "--format=%(refname:short)", "refs/heads").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public string Show(string revision, string path) => Run("show", $"{revision}:{path}");

    public string Head(string branch = "main") => Run("rev-parse", branch).Trim();

    /// <summary>Commits a file on a branch as an outside user would: clone, write, commit, push.</summary>
    public string CommitFile(string path, string content, string message = "Edit outside the app", string branch = "main")
    {
        using var work = new TempDirectory("spec-editor-clone");
        Execute(null, ["clone", "--quiet", "--branch", branch, repositoryPath, work.Path]);
        var file = Path.Combine(work.Path, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        Execute(work.Path, ["add", "--all"]);
        Execute(work.Path, ["-c", "user.name=Outside User", "-c", "user.email=outside@example.com", "commit", "--quiet", "-m", message]);
        Execute(work.Path, ["push", "--quiet", "origin", branch]);
        return Execute(work.Path, ["rev-parse", "HEAD"]).Trim();
    }

    private static string Execute(string? workingDirectory, string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? "" };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
        }

        return output.Result;
    }
}
