using Pulumi;

namespace SpecEditor.Infra;

internal static class AwsTags
{
    /// <summary>The stack's tags plus a <c>Name</c> tag, which the AWS console shows as the resource's name.</summary>
    public static InputMap<string> Named(IReadOnlyDictionary<string, string> tags, string name) =>
        new Dictionary<string, string>(tags, StringComparer.Ordinal) { ["Name"] = name };
}
