using System.Text;
using Microsoft.Extensions.Options;

namespace SpecEditor.Automation.Agents;

/// <summary>Reads agents' secrets from the app's configuration (environment variables) and checks that none is missing.</summary>
public sealed class SecretProvider(IConfiguration configuration)
{
    /// <summary>The names among <paramref name="names"/> that have no value.</summary>
    public IReadOnlyList<string> Missing(IEnumerable<string> names) =>
        names.Where(name => string.IsNullOrEmpty(configuration[name])).ToArray();

    /// <summary>Why <paramref name="agent"/> cannot run, naming the secrets it lacks; null when it has them all.</summary>
    public string? MissingError(AgentDefinition agent)
    {
        var missing = Missing(agent.Secrets);
        return missing.Count == 0
            ? null
            : $"missing secret{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} for agent {agent.Name}: set {(missing.Count > 1 ? "them" : "it")} in the app's environment";
    }

    /// <summary>Name → value for the job's environment; call <see cref="MissingError"/> first.</summary>
    public IReadOnlyDictionary<string, string> Resolve(IEnumerable<string> names) =>
        names.ToDictionary(name => name, name => configuration[name] ?? "", StringComparer.Ordinal);

    public string? Get(string name) => configuration[name] is { Length: > 0 } value ? value : null;
}

/// <summary>
/// Replaces every known secret value with <c>***</c>. Everything the engine writes from a job (log lines, events, artifacts,
/// generated files, error messages) passes through it. Values are every agent's secrets and the GitHub token. A value that
/// spans lines (a PEM key, a JSON credential) is also masked line by line, because logs are redacted a line at a time.
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "***";

    /// <summary>
    /// The shortest line of a multi-line secret masked on its own (counted without its indentation). Shorter lines are
    /// punctuation such as <c>{</c>, <c>},</c> or <c>]</c>: masking those would mask them in every log line and give nothing away.
    /// </summary>
    public const int MinSecretLineChars = 8;

    private static readonly byte[] MaskBytes = Encoding.UTF8.GetBytes(Mask);

    private readonly string[] _values;

    /// <summary><see cref="_values"/> in UTF-8, in the same order, for masking raw bytes.</summary>
    private readonly byte[][] _encoded;

    public SecretRedactor(AgentCatalog agents, SecretProvider secrets, IOptions<AutomationSettings> settings)
    {
        var values = agents.AllSecretNames.Select(secrets.Get).ToList();
        values.Add(settings.Value.GitHubToken);

        var whole = values.OfType<string>().Where(v => v.Length > 0).ToArray();
        var lines = whole
            .Where(v => v.Contains('\n', StringComparison.Ordinal))
            .SelectMany(v => v.Split('\n', StringSplitOptions.TrimEntries))
            .Where(line => line.Length >= MinSecretLineChars);

        // Longest first, so a secret that contains another (or its own lines) is masked whole.
        _values = whole.Concat(lines).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToArray();
        _encoded = _values.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    public string Redact(string text)
    {
        foreach (var value in _values)
        {
            if (text.Contains(value, StringComparison.Ordinal))
            {
                text = text.Replace(value, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>
    /// <see cref="Redact(string)"/> for text cut off at its end (an over-long log line): a cut through a secret leaves only
    /// its start, which no whole value matches, so an end of the text that begins a secret is masked too.
    /// </summary>
    public string RedactCut(string text)
    {
        text = Redact(text);
        var cutSecret = 0;
        foreach (var value in _values)
        {
            for (var length = Math.Min(value.Length - 1, text.Length); length > cutSecret; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(value.AsSpan(0, length)))
                {
                    cutSecret = length;
                    break;
                }
            }
        }

        return cutSecret == 0 ? text : text[..^cutSecret] + Mask;
    }

    /// <summary>Masks secrets in raw bytes (text or not); returns the same array when nothing needed masking.</summary>
    public byte[] Redact(byte[] content, out bool changed)
    {
        changed = false;
        foreach (var needle in _encoded)
        {
            if (content.AsSpan().IndexOf(needle) < 0)
            {
                continue;
            }

            changed = true;
            var output = new List<byte>(content.Length);
            var rest = content.AsSpan();
            int at;
            while ((at = rest.IndexOf(needle)) >= 0)
            {
                output.AddRange(rest[..at]);
                output.AddRange(MaskBytes);
                rest = rest[(at + needle.Length)..];
            }

            output.AddRange(rest);
            content = output.ToArray();
        }

        return content;
    }
}
