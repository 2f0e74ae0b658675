using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace SpecEditor.Specs.GitHub;

/// <summary>
/// Branches the app makes are <c>spec-editor/&lt;customer&gt;/&lt;environment&gt;/&lt;hash&gt;</c>. The hash covers the pod, the
/// version edited, the new content and the user, so saving the same edit again (after a failure midway) lands on the same
/// branch instead of a second one.
/// </summary>
public static partial class ChangeBranch
{
    public const string Prefix = "spec-editor";

    public static string Name(ChangeProposal proposal, string login)
    {
        var identity = string.Join('\n', proposal.Kind, proposal.Path, proposal.ExpectedBlobSha ?? "-", Convert.ToHexStringLower(SHA256.HashData(proposal.Content)), login.ToLowerInvariant());
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 6));
        return $"{Prefix}/{proposal.Pod.Customer}/{proposal.Pod.Environment}/{hash}";
    }

    /// <summary>The pod a branch of the app belongs to; false for every other branch.</summary>
    public static bool TryParse(string? branch, PodPaths paths, out PodId pod)
    {
        pod = default;
        var match = branch is null ? null : BranchPattern().Match(branch);
        return match is { Success: true } && paths.TryCreate(match.Groups[1].Value, match.Groups[2].Value, out pod);
    }

    [GeneratedRegex("^spec-editor/([a-z0-9-]+)/([a-z0-9-]+)/[0-9a-f]{12}\\z")]
    private static partial Regex BranchPattern();
}

/// <summary>
/// What the app writes into a pull request's body, after the summary, as an HTML comment GitHub does not show:
/// enough to show the change's diff from immutable blobs without reading trees.
/// </summary>
public sealed record ChangeMarker(
    [property: JsonPropertyName("pod")] string Pod,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("before")] string? Before,
    [property: JsonPropertyName("after")] string After,
    [property: JsonPropertyName("commit")] string Commit)
{
    private const string Open = "<!-- spec-editor:";
    private const string Close = " -->";

    public string Render() => Open + JsonSerializer.Serialize(this, GitHubJsonContext.Default.ChangeMarker) + Close;

    /// <summary>The body without the marker, and the marker when there is a valid one.</summary>
    public static string Split(string? body, out ChangeMarker? marker)
    {
        marker = null;
        body ??= "";
        var start = body.LastIndexOf(Open, StringComparison.Ordinal);
        var end = start < 0 ? -1 : body.IndexOf(Close, start, StringComparison.Ordinal);
        if (start < 0 || end < 0)
        {
            return body.TrimEnd();
        }

        marker = TryParse(body[(start + Open.Length)..end]);
        return body[..start].TrimEnd();
    }

    private static ChangeMarker? TryParse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, GitHubJsonContext.Default.ChangeMarker);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [JsonIgnore]
    public ChangeKind ChangeKind => Kind == "create" ? ChangeKind.Create : ChangeKind.Edit;
}

[JsonSerializable(typeof(ChangeMarker))]
internal sealed partial class GitHubJsonContext : JsonSerializerContext;
