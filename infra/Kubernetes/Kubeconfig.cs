using System.Text.Json;

namespace SpecEditor.Infra.Kubernetes;

/// <summary>
/// A kubeconfig for an EKS cluster that authenticates with <c>aws eks get-token</c>: it holds no credential itself, the
/// caller's AWS identity is the credential.
/// </summary>
internal static class Kubeconfig
{
    public static string ForEks(string clusterName, string endpoint, string certificateAuthorityData, string region) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Config",
        ["clusters"] = new[]
        {
            new Dictionary<string, object>
            {
                ["name"] = clusterName,
                ["cluster"] = new Dictionary<string, string>
                {
                    ["server"] = endpoint,
                    ["certificate-authority-data"] = certificateAuthorityData,
                },
            },
        },
        ["contexts"] = new[]
        {
            new { name = clusterName, context = new { cluster = clusterName, user = clusterName } },
        },
        ["current-context"] = clusterName,
        ["users"] = new[]
        {
            new
            {
                name = clusterName,
                user = new
                {
                    exec = new
                    {
                        apiVersion = "client.authentication.k8s.io/v1beta1",
                        command = "aws",
                        args = new[] { "eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json" },
                        interactiveMode = "Never",
                    },
                },
            },
        },
    });
}
