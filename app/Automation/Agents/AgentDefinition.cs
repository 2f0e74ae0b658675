namespace SpecEditor.Automation.Agents;

/// <summary>
/// An agent is configuration: the image a phase runs in, the command (with placeholders for the phase's prompt),
/// the secrets it needs as environment variables, and its resource limits.
/// </summary>
/// <param name="Command">Arguments; <c>{prompt}</c>, <c>{phase}</c>, <c>{feature_dir}</c> and <c>{description}</c> are replaced per phase.</param>
/// <param name="Secrets">Environment variable names the app must have a value for; each reaches the job only as that variable.</param>
public sealed record AgentDefinition(
    string Name,
    string Image,
    IReadOnlyList<string> Command,
    IReadOnlyList<string> Secrets,
    long MemoryMb = 2048,
    double Cpus = 1.0,
    long Pids = 256,
    IReadOnlyDictionary<string, string>? Environment = null)
{
    /// <summary>The prompt for a phase: Spec Kit's command, with where to read and write in the feature folder.</summary>
    public static string Prompt(string phase, string featureDir, string description) => phase switch
    {
        Steps.Specify => $"/speckit.specify {description}\n\nWrite the feature specification to {featureDir}/spec.md.",
        Steps.Plan => $"/speckit.plan\n\nRead {featureDir}/spec.md and write the implementation plan to {featureDir}/plan.md.",
        Steps.Tasks => $"/speckit.tasks\n\nRead {featureDir}/spec.md and {featureDir}/plan.md and write the task list to {featureDir}/tasks.md.",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "not an agent phase"),
    };

    public IReadOnlyList<string> RenderCommand(string phase, string featureDir, string description)
    {
        var prompt = Prompt(phase, featureDir, description);
        return Command.Select(arg => arg
            .Replace("{prompt}", prompt, StringComparison.Ordinal)
            .Replace("{phase}", phase, StringComparison.Ordinal)
            .Replace("{feature_dir}", featureDir, StringComparison.Ordinal)
            .Replace("{description}", description, StringComparison.Ordinal)).ToArray();
    }
}
