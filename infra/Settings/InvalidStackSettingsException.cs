using Pulumi;

namespace SpecEditor.Infra.Settings;

/// <summary>
/// The stack's configuration is wrong. A <see cref="RunException"/>, so Pulumi prints the message alone (no stack trace)
/// and stops before any resource is declared.
/// </summary>
internal sealed class InvalidStackSettingsException : RunException
{
    public InvalidStackSettingsException(string stack, IReadOnlyList<string> problems)
        : base(Describe(stack, problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }

    private static string Describe(string stack, IReadOnlyList<string> problems) =>
        $"The configuration of stack '{stack}' has {problems.Count} problem{(problems.Count == 1 ? "" : "s")}; fix {(problems.Count == 1 ? "it" : "them")} with 'pulumi config set':"
        + string.Concat(problems.Select(problem => $"{Environment.NewLine}  - {problem}"));
}
