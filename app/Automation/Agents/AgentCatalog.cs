using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SpecEditor.Hosting;

namespace SpecEditor.Automation.Agents;

/// <summary>
/// The agents a run may name: presets for the Codex, Claude Code and Gemini CLIs, plus any defined (or overridden) in
/// <c>AUTOMATION_AGENTS_FILE</c>. Any image works the same way: the catalog only knows images, commands, secrets and limits.
/// </summary>
public sealed partial class AgentCatalog
{
    public static readonly IReadOnlyList<AgentDefinition> Presets =
    [
        new("codex", "ghcr.io/spec-editor/agent-codex:latest", ["codex", "exec", "--full-auto", "--skip-git-repo-check", "{prompt}"], ["OPENAI_API_KEY"]),
        new("claude-code", "ghcr.io/spec-editor/agent-claude-code:latest", ["claude", "-p", "{prompt}", "--permission-mode", "acceptEdits"], ["ANTHROPIC_API_KEY"]),
        new("gemini", "ghcr.io/spec-editor/agent-gemini:latest", ["gemini", "--yolo", "-p", "{prompt}"], ["GEMINI_API_KEY"]),
    ];

    private readonly Dictionary<string, AgentDefinition> _agents;

    public AgentCatalog(IOptions<AutomationSettings> settings)
    {
        _agents = Presets.ToDictionary(a => a.Name, StringComparer.Ordinal);
        if (settings.Value.AgentsFile is { Length: > 0 } file)
        {
            foreach (var agent in Load(file))
            {
                _agents[agent.Name] = agent;
            }
        }

        All = _agents.Values.OrderBy(a => a.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Every agent, by name.</summary>
    public IReadOnlyList<AgentDefinition> All { get; }

    public AgentDefinition? Find(string name) => _agents.GetValueOrDefault(name);

    /// <summary>Every secret name any agent needs: their values are redacted from everything the engine writes.</summary>
    public IEnumerable<string> AllSecretNames => _agents.Values.SelectMany(a => a.Secrets).Distinct(StringComparer.Ordinal);

    internal static IReadOnlyList<AgentDefinition> Load(string path)
    {
        AgentsFile? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(File.ReadAllText(path), AgentsFileJsonContext.Default.AgentsFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new StartupException($"AUTOMATION_AGENTS_FILE: '{path}' cannot be read as an agents file ({ex.Message})");
        }

        var agents = new List<AgentDefinition>();
        var problems = new List<string>();
        foreach (var (name, entry) in parsed?.Agents ?? [])
        {
            if (!AgentName().IsMatch(name))
            {
                problems.Add($"agent '{name}': the name must be lowercase letters, digits and inner hyphens");
                continue;
            }

            if (string.IsNullOrWhiteSpace(entry.Image))
            {
                problems.Add($"agent '{name}': 'image' is required");
            }

            if (entry.Command is not { Count: > 0 })
            {
                problems.Add($"agent '{name}': 'command' must be a non-empty array");
            }

            var secrets = entry.Secrets ?? [];
            problems.AddRange(secrets.Where(s => !SecretName().IsMatch(s)).Select(s => $"agent '{name}': '{s}' is not an environment variable name"));
            if (entry.MemoryMb is < 16 || entry.Cpus is <= 0 || entry.Pids is < 8)
            {
                problems.Add($"agent '{name}': memoryMb must be at least 16, cpus above 0 and pids at least 8");
            }

            agents.Add(new AgentDefinition(
                name, entry.Image ?? "", entry.Command ?? [], secrets,
                entry.MemoryMb ?? 2048, entry.Cpus ?? 1.0, entry.Pids ?? 256, entry.Env));
        }

        if (problems.Count > 0)
        {
            throw new StartupException($"AUTOMATION_AGENTS_FILE: {string.Join("; ", problems)}");
        }

        return agents;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?\\z")]
    private static partial Regex AgentName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}\\z")]
    private static partial Regex SecretName();

    internal sealed class AgentsFile
    {
        public Dictionary<string, AgentEntry>? Agents { get; set; }
    }

    internal sealed class AgentEntry
    {
        public string? Image { get; set; }

        public List<string>? Command { get; set; }

        public List<string>? Secrets { get; set; }

        public long? MemoryMb { get; set; }

        public double? Cpus { get; set; }

        public long? Pids { get; set; }

        public Dictionary<string, string>? Env { get; set; }
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(AgentCatalog.AgentsFile))]
internal sealed partial class AgentsFileJsonContext : JsonSerializerContext;
