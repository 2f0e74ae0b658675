using System.Text.Json;

namespace SpecEditor.Infra;

/// <summary>IAM policy documents, built as data so nothing is pasted together from strings.</summary>
internal static class IamPolicies
{
    public static string AssumeRole(string service) => JsonSerializer.Serialize(new
    {
        Version = "2012-10-17",
        Statement = new[]
        {
            new
            {
                Effect = "Allow",
                Principal = new { Service = service },
                Action = "sts:AssumeRole",
            },
        },
    });

    public static string Document(IEnumerable<Statement> statements) => JsonSerializer.Serialize(new
    {
        Version = "2012-10-17",
        Statement = statements.Select(statement => new
        {
            statement.Sid,
            Effect = "Allow",
            Action = statement.Actions,
            Resource = statement.Resources,
        }),
    });

    public static string ManagedPolicyArn(string partition, string name) => $"arn:{partition}:iam::aws:policy/{name}";

    /// <summary>One Allow statement.</summary>
    public sealed record Statement(string Sid, IReadOnlyList<string> Actions, IReadOnlyList<string> Resources);
}
